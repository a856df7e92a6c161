import type { Request, Response } from 'express';
import type { Config } from '../config/index.js';
import { initSession } from './policy.js';
import type { SessionDirectory } from './directory.js';
import type { SignedIn } from './types.js';
import type { SignInPersister } from './durable.js';
import type { VersionedSession } from './store.js';

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err as Error) : resolve())));
}

/** A new session id and an empty session, as regenerate makes, for a session never stored: nothing to destroy. */
function fresh(req: Request): void {
  req.sessionStore.generate(req);
}

function destroy(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((err) => (err ? reject(err as Error) : resolve())));
}

/** Revokes the CloudBase tokens of a session this request replaces (best effort; failures are swallowed). */
export type RevokeReplaced = (req: Request, accessToken: string) => Promise<unknown>;

/**
 * Sign-in and sign-out on the session: a new session id at every sign-in (the pre-login session and its CSRF secret
 * die with it), and a full teardown at sign-out. Signing in over a signed-in session (another account or the same)
 * ends the old one everywhere: its id is destroyed here and its CloudBase tokens are revoked upstream.
 */
export function createSessionManager(
  config: Config,
  directory: SessionDirectory,
  clock: () => number,
  revokeReplaced: RevokeReplaced = async () => undefined,
  /** stores the new session, with the user index's writes, before the sign-in is answered (see durable.ts) */
  persist?: SignInPersister,
) {
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    secure: config.session.secureCookie,
    sameSite: 'lax' as const,
  };

  return {
    async signIn(req: Request, signed: SignedIn, now = clock()): Promise<void> {
      // The device id survives the new session id: CloudBase keys anonymous users and device counts on it.
      const did = req.session.did;
      const replaced = req.session.auth ? { sid: req.sessionID, auth: req.session.auth } : undefined;
      const latest = replaced && (await directory.storedAccessToken(replaced.sid));
      // A session this request never read from the store nor wrote (no version) exists nowhere but here.
      if (replaced || (req.session as VersionedSession)._v !== undefined) {
        await regenerate(req).catch(async (e: unknown) => {
          await signed.pending?.flush();
          throw e;
        });
      } else fresh(req);
      if (replaced) {
        await directory.remove(replaced.auth.sub, replaced.sid);
        for (const at of new Set([replaced.auth.at, latest ?? replaced.auth.at])) await revokeReplaced(req, at).catch(() => undefined);
      }
      const s = req.session;
      s.created = now;
      s.seen = now;
      if (did) s.did = did;
      initSession(req, now);
      s.auth = signed.tokens;
      s.user = signed.user;
      const ua = req.get('user-agent');
      if (ua) s.ua = ua.slice(0, 256);
      if (req.ip) s.ip = req.ip;
      const index = { writes: directory.addWrites(signed.user.sub, req.sessionID, now, s.did) };
      if (persist) await persist(req, signed.pending ? [index, signed.pending] : [index]);
      else {
        await directory.add(signed.user.sub, req.sessionID, now, s.did);
        await signed.pending?.flush();
      }
    },

    async signOut(req: Request, res: Response): Promise<void> {
      const sub = req.session?.auth?.sub;
      if (sub) await directory.remove(sub, req.sessionID);
      if (req.session) await destroy(req);
      res.clearCookie(config.session.cookieName, cookieOptions);
    },
  };
}

export type SessionManager = ReturnType<typeof createSessionManager>;
