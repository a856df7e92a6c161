import type { RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import type { AuthService } from '../services/auth.js';
import type { SessionManager } from '../session/auth-session.js';
import type { TokenKeeper } from '../session/tokens.js';
import type { SessionDirectory } from '../session/directory.js';

/** What every route module gets: no route imports ioredis or got. */
export interface RouteDeps {
  config: Config;
  auth: AuthService;
  sessions: SessionManager;
  freshAccessToken: TokenKeeper;
  /** the user's sessions and devices */
  directory: SessionDirectory;
  /** `_csrf` field + same-origin check for form POSTs */
  formCsrf: RequestHandler;
  /** the gateway's clock (epoch ms) */
  now: () => number;
}
