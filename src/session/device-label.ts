import Bowser from 'bowser';

/** Native apps' HTTP stacks, which name no browser or OS. */
const APP_HTTP_STACKS: Record<string, string> = { okhttp: 'Android app', Dalvik: 'Android app', CFNetwork: 'iOS app' };

/** A short label for the device list, from the User-Agent: "Chrome on Windows", or an app's own name. */
export function deviceLabel(ua: string | undefined): string {
  if (!ua) return 'Unknown device';
  const { browser, os } = Bowser.parse(ua.slice(0, 512));
  const product = ua.split(/[\s/;(]/)[0] ?? '';
  if (Object.hasOwn(APP_HTTP_STACKS, product)) return APP_HTTP_STACKS[product]!;
  const name = browser.name || product.slice(0, 32) || 'Unknown device';
  return os.name ? `${name} on ${os.name}` : name;
}
