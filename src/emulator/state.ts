import type { SigningKey } from './keys.js';
import type {
  AccessTokenRecord,
  CaptchaRecord,
  Contact,
  HistoryRecord,
  ProviderCodeRecord,
  ProviderConfig,
  ProviderTokenRecord,
  RefreshTokenRecord,
  SentCode,
  SessionRecord,
  SudoTokenRecord,
  UserRecord,
  VerificationRecord,
  VerificationTokenRecord,
} from './records.js';

export type * from './records.js';

export interface EmulatorConfig {
  access_token_ttl_s: number;
  refresh_token_ttl_s: number;
  latency_ms: number;
  sms_cooldown_s: number;
  /** Lifetime of a provider token from `POST /provider/token`. */
  provider_token_ttl_s: number;
  /** call key (see `callKeys`) → error string answered instead of running the operation. */
  fail: Record<string, string>;
  /** call key → share of calls (0–1) answered with an error (default `unavailable`) instead of running the operation. */
  fail_rate?: Record<string, FailRate>;
  /** call key → latency added to a share of calls (`rate`, default 1): `ms` plus a uniform draw from 0 to `jitter_ms`. */
  latency?: Record<string, LatencyRule>;
  /** Seeds the draws of `fail_rate` and `latency`; setting it restarts the sequence, so a run can be repeated. */
  seed?: number;
}

export type FailRate = number | { rate: number; error?: string };

export interface LatencyRule {
  ms: number;
  jitter_ms?: number;
  rate?: number;
}

export const DEFAULT_SEED = 1;

/** mulberry32: a small seeded generator, so the faults a test injects fall on the same calls every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DEFAULT_CONFIG: Readonly<EmulatorConfig> = Object.freeze({
  access_token_ttl_s: 7200,
  refresh_token_ttl_s: 31 * 24 * 3600,
  latency_ms: 0,
  sms_cooldown_s: 60,
  provider_token_ttl_s: 600,
  fail: {},
});

export interface EmulatorIdentity {
  envId: string;
  clientId: string;
  /** When set, Basic credentials and a non-empty body client_secret must match it. */
  clientSecret?: string;
}

export interface EmulatorState {
  readonly identity: EmulatorIdentity;
  readonly key: SigningKey;
  readonly now: () => number;
  config: EmulatorConfig;
  /** draws for injected faults (seeded by `config.seed`) */
  random: () => number;
  users: Map<string, UserRecord>;
  sessions: Map<string, SessionRecord>;
  refreshTokens: Map<string, RefreshTokenRecord>;
  /** jti → its session; a jti missing here (or whose session is gone) was revoked or never issued. */
  accessTokens: Map<string, AccessTokenRecord>;
  verifications: Map<string, VerificationRecord>;
  verificationTokens: Map<string, VerificationTokenRecord>;
  sudoTokens: Map<string, SudoTokenRecord>;
  captchas: Map<string, CaptchaRecord>;
  captchaTokens: Map<string, number>;
  /** x-device-id → sub of that device's anonymous user. */
  anonymousDevices: Map<string, string>;
  /** Canonical phone / email → time (ms) the last code was sent, for the resend cooldown. */
  lastSentAt: Map<string, number>;
  /** Canonical phone / email → the last code sent there. */
  lastCodes: Map<string, string>;
  sentCodes: SentCode[];
  /** Enabled third-party providers by id; `reset` restores `defaultProviders`. */
  providers: Map<string, ProviderConfig>;
  readonly defaultProviders: readonly ProviderConfig[];
  providerCodes: Map<string, ProviderCodeRecord>;
  providerTokens: Map<string, ProviderTokenRecord>;
  /** Every provider code the authorize page (or the native-code route) issued, used ones included: a record for tests. */
  issuedProviderCodes: Set<string>;
  /** Every custom ticket whose signature held (expired ones included): a record for tests, like `sentCodes`. */
  seenTickets: Set<string>;
  history: HistoryRecord[];
  /** The custom-login key pair, made on first use (see custom-login.ts). */
  customLogin?: { privateKeyId: string; privateKeyPem: string; publicKeyPem: string };
  /** `"<METHOD> <path>"` → number of calls. */
  calls: Map<string, number>;
}

export interface CreateStateOptions extends Partial<EmulatorIdentity> {
  key: SigningKey;
  now?: () => number;
  /** Default: wx_open, github and google, each signing people up by itself. */
  providers?: readonly ProviderConfig[];
}

export const DEFAULT_PROVIDERS: readonly ProviderConfig[] = Object.freeze([
  { id: 'wx_open', name: 'WeChat', autoSignUp: true },
  { id: 'github', name: 'GitHub', autoSignUp: true },
  { id: 'google', name: 'Google', autoSignUp: true },
]);

export const DEFAULT_ENV_ID = 'local-emulator';

export function createState(options: CreateStateOptions): EmulatorState {
  const envId = options.envId ?? DEFAULT_ENV_ID;
  const identity: EmulatorIdentity = { envId, clientId: options.clientId ?? envId };
  if (options.clientSecret) identity.clientSecret = options.clientSecret;
  const defaultProviders = (options.providers ?? DEFAULT_PROVIDERS).map((p) => ({ ...p }));
  return {
    identity,
    key: options.key,
    now: options.now ?? Date.now,
    config: defaultConfig(),
    random: seededRandom(DEFAULT_SEED),
    users: new Map(),
    sessions: new Map(),
    refreshTokens: new Map(),
    accessTokens: new Map(),
    verifications: new Map(),
    verificationTokens: new Map(),
    sudoTokens: new Map(),
    captchas: new Map(),
    captchaTokens: new Map(),
    anonymousDevices: new Map(),
    lastSentAt: new Map(),
    lastCodes: new Map(),
    sentCodes: [],
    providers: new Map(defaultProviders.map((p) => [p.id, { ...p }])),
    defaultProviders,
    providerCodes: new Map(),
    providerTokens: new Map(),
    issuedProviderCodes: new Set(),
    seenTickets: new Set(),
    history: [],
    calls: new Map(),
  };
}

/** Forgets every user, token, code and counter and restores the default config; keeps identity, key and clock. */
export function resetState(state: EmulatorState): void {
  state.config = defaultConfig();
  state.random = seededRandom(DEFAULT_SEED);
  for (const value of Object.values(state)) {
    if (value instanceof Map) value.clear();
  }
  state.sentCodes.length = 0;
  state.history.length = 0;
  state.issuedProviderCodes.clear();
  state.seenTickets.clear();
  for (const p of state.defaultProviders) state.providers.set(p.id, { ...p });
}

function defaultConfig(): EmulatorConfig {
  return { ...DEFAULT_CONFIG, fail: {} };
}

export function contactKey(contact: Contact): string {
  return contact.phone_number ?? contact.email;
}
