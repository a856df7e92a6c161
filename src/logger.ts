import { pino, type Logger, type DestinationStream } from 'pino';

/** Paths that may hold a secret anywhere a log line could carry them; pino replaces them with "[redacted]". */
export const REDACT_PATHS = [
  'password',
  'old_password',
  'new_password',
  'verification_code',
  'verification_token',
  'access_token',
  'refresh_token',
  'sudo_token',
  'captcha_token',
  'session_token',
  'token',
  '*.password',
  '*.old_password',
  '*.new_password',
  '*.verification_code',
  '*.verification_token',
  '*.access_token',
  '*.refresh_token',
  '*.sudo_token',
  '*.captcha_token',
  '*.session_token',
  '*.token',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  // Session tokens and ids, verification ids, captcha answers, and the tokens a session holds (short keys at/rt).
  'authorization',
  'cookie',
  'sessionKey',
  'sessionID',
  'verification_id',
  'captcha_answer',
  '*.authorization',
  '*.cookie',
  '*["set-cookie"]',
  '*["x-captcha-token"]',
  '*["x-device-token"]',
  '*.device_token',
  '*.deviceProof',
  'deviceProof',
  '*.sessionKey',
  '*.sessionID',
  '*.verification_id',
  '*.captcha_answer',
  'auth.at',
  'auth.rt',
  '*.auth.at',
  '*.auth.rt',
  'req.headers["x-captcha-token"]',
  // ioredis errors carry the failed command's arguments: a session write's are the session itself.
  'err.command.args',
  '*.command.args',
  'err.cause.command.args',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };

/**
 * Human-readable lines for a developer's terminal (pino-pretty, in this process and synchronous, so nothing is lost on
 * exit). pino-pretty is a development dependency: where it is not installed (the production image) this returns
 * undefined and the logs stay JSON.
 */
export async function prettyDestination(colorize: boolean): Promise<DestinationStream | undefined> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ colorize, sync: true, translateTime: 'SYS:HH:MM:ss.l', singleLine: true });
  } catch {
    return undefined;
  }
}

/** Pretty logs outside production, when asked (LOG_FORMAT=pretty) or, unless told json, when stdout is a terminal. */
export function wantsPrettyLogs(config: { production: boolean; logFormat: 'json' | 'pretty' | undefined }, stdoutIsTTY: boolean): boolean {
  if (config.production || config.logFormat === 'json') return false;
  return config.logFormat === 'pretty' || stdoutIsTTY;
}
