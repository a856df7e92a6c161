import { deviceLabel } from '../../src/session/device-label.js';

describe('when a session\'s device is named from its User-Agent', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'Chrome on Windows'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.40', 'WeChat on Android'],
    ['okhttp/4.9.0', 'Android app'],
    ['CFNetwork/1485 Darwin/23.1.0', 'iOS app'],
    ['curl/8.5.0', 'curl'],
    [undefined, 'Unknown device'],
    ['', 'Unknown device'],
  ])('labels %j as %j', (ua, label) => {
    expect(deviceLabel(ua)).toBe(label);
  });

  it('keeps a hostile User-Agent short', () => {
    expect(deviceLabel(`${'A'.repeat(5000)}/1.0`).length).toBeLessThanOrEqual(64);
  });
});
