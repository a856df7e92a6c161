import type { EmulatorState } from '../../src/emulator/server.js';

interface Haystack {
  transcript: { method: string; url: string; status: number; headers: Record<string, unknown>; body: string }[];
  logs: string[];
  emulator: EmulatorState;
  secrets: Iterable<string>;
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every token the emulator ever issued (refresh, verification, sudo, captcha and provider tokens, and any JWT: access
 * tokens and verification ids), every provider code it issued and custom ticket it accepted the signature of (from its
 * own records, whether or not a test saw them), every code it sent by SMS or mail, and every password a test typed, looked for in every response body,
 * header (Location and Set-Cookie included) and log line. Returns one line per leak found.
 */
export function findLeaks({ transcript, logs, emulator, secrets }: Haystack): string[] {
  const needles: { what: string; re: RegExp }[] = [{ what: 'a JWT (access token or verification id)', re: JWT }];
  for (const t of emulator.refreshTokens.keys()) needles.push({ what: 'a refresh token', re: new RegExp(escape(t)) });
  for (const t of emulator.verificationTokens.keys()) needles.push({ what: 'a verification token', re: new RegExp(escape(t)) });
  for (const t of emulator.sudoTokens.keys()) needles.push({ what: 'a sudo token', re: new RegExp(escape(t)) });
  for (const t of emulator.captchaTokens.keys()) needles.push({ what: 'a captcha token', re: new RegExp(escape(t)) });
  for (const t of emulator.providerTokens.keys()) needles.push({ what: 'a provider token', re: new RegExp(escape(t)) });
  for (const c of emulator.issuedProviderCodes) needles.push({ what: 'a provider code', re: new RegExp(escape(c)) });
  for (const t of emulator.seenTickets) needles.push({ what: 'a custom ticket', re: new RegExp(escape(t)) });
  for (const c of emulator.sentCodes) needles.push({ what: `the SMS code sent to ${c.to}`, re: new RegExp(`(?<![\\w-])${escape(c.code)}(?![\\w-])`) });
  for (const s of secrets) if (s.length >= 6) needles.push({ what: 'a password', re: new RegExp(escape(s)) });

  const places: { where: string; text: string }[] = [];
  for (const x of transcript) {
    const where = `${x.method} ${x.url} → ${x.status}`;
    places.push({ where: `${where} body`, text: x.body });
    places.push({ where: `${where} headers`, text: JSON.stringify(x.headers) });
  }
  logs.forEach((line, i) => places.push({ where: `log line ${i + 1}`, text: line }));

  const leaks: string[] = [];
  for (const { where, text } of places) {
    for (const { what, re } of needles) if (re.test(text)) leaks.push(`${what} in ${where}`);
  }
  return leaks;
}
