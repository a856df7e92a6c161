/**
 * Why a session secret is too weak to sign cookies in production, or undefined. A signing secret anyone can guess
 * lets anyone forge a session cookie, so the rules are blunt: long enough, no known placeholder or sample value (the
 * ones this repository ever shipped included), and enough variety that it was not typed by hand.
 */

export const MIN_SECRET_LENGTH = 32;
/** about what 22 random base64 characters give; a hand-typed phrase of 32 letters falls short */
const MIN_ESTIMATED_BITS = 128;
/**
 * Random hex (`openssl rand -hex 16`, 32 characters from 16) shows fewer than 8 distinct characters about 4 times in a
 * hundred million; at 12 it was refused almost 2 times in a hundred, so a good secret could fail start-up.
 */
const MIN_DISTINCT_CHARACTERS = 8;

/** Values shipped in this repository's samples, tests and benchmarks over time. */
const KNOWN_VALUES = new Set([
  'change-me-to-a-long-random-string-of-32-chars-or-more',
  'test-session-secret-0123456789abcdef',
  'bench-session-secret-0123456789abcdef-0123456789',
]);

/** Words that mark a sample value, compared without case or punctuation. */
const PLACEHOLDER_WORDS = ['changeme', 'replaceme', 'placeholder', 'yoursecret', 'sessionsecret', 'secretkey', 'example', 'notasecret', 'password', 'default'];

function estimatedBits(secret: string): number {
  let pool = 0;
  if (/[a-z]/.test(secret)) pool += 26;
  if (/[A-Z]/.test(secret)) pool += 26;
  if (/[0-9]/.test(secret)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(secret)) pool += 33;
  return secret.length * Math.log2(Math.max(pool, 2));
}

export function weakSecretReason(secret: string): string | undefined {
  if (secret.length < MIN_SECRET_LENGTH) return `shorter than ${MIN_SECRET_LENGTH} characters`;
  const folded = secret.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (KNOWN_VALUES.has(secret) || PLACEHOLDER_WORDS.some((w) => folded.includes(w))) return 'a placeholder or sample value';
  if (/^(.{1,16}?)\1+$/s.test(secret)) return 'a short pattern repeated';
  if (new Set(secret).size < MIN_DISTINCT_CHARACTERS || estimatedBits(secret) < MIN_ESTIMATED_BITS) return 'too little variety to be random';
  return undefined;
}
