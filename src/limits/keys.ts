import { createHash } from 'node:crypto';
import { normalizePhone } from '../phone.js';

/** Keys never hold what they count: a username, a phone number or a session id is hashed first. */
export function digest(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 22);
}

/**
 * One key per account however it is typed: full-width characters folded, case ignored, and a phone number in any
 * spelling (`138…`, `+86 138…`, `0086-138…`) reduced to CloudBase's `+86 ` form.
 */
export function accountKey(username: string): string {
  const folded = username.normalize('NFKC').trim();
  const phone = /^[+\d\s().-]+$/.test(folded) ? normalizePhone(folded) : undefined;
  return digest(`a:${phone ?? folded.toLowerCase()}`);
}

/** One key per phone number however it is spelled. */
export function phoneKey(phone: string): string {
  const normal = normalizePhone(phone) ?? phone.normalize('NFKC').replace(/\D+/g, '');
  return digest(`p:${normal}`);
}

/** IPv4 (also IPv4-mapped IPv6) as is; IPv6 by its /64, which one subscriber usually holds whole. */
export function ipKey(ip: string): string {
  return digest(ipScope(ip));
}

/** The part of an address that identifies one client: all of IPv4, the /64 of IPv6. */
export function ipScope(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `4:${mapped[1]}`;
  if (!ip.includes(':')) return `4:${ip}`;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `6:${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}`;
}
