import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config/index.js';
import type { AuthService } from '../../services/auth.js';
import { errorText, type AppError } from '../../errors/app-error.js';
import { startErrorResponse } from '../../http/errors.js';
import { fromUpstream } from '../../errors/upstream.js';
import { csrfToken } from '../../http/csrf.js';
import { safeReturnTo } from '../../http/return-to.js';
import { LANG_COOKIE, pickLocale, requestedLocale, translator, type MessageKey, type Translate } from '../../i18n/index.js';
import { initSession } from '../../session/policy.js';
import { newCaptchaChallenge, wantsCaptcha } from '../../flows/captcha.js';
import { captchaContext } from '../flow-context.js';
import { MAX } from '../forms.js';

/** Notices shown after a redirect (?notice=…): a fixed list, so no text comes from the URL. */
const NOTICES: Record<string, MessageKey> = {
  signed_out: 'logout.done',
  password_reset: 'reset.done',
  password_changed: 'account.passwordChanged',
  account_deleted: 'account.deleted',
  session_expired: 'err.session_expired',
  session_revoked: 'sessions.revoked',
  others_revoked: 'sessions.othersRevoked',
  provider_bound: 'provider.bound',
  provider_unbound: 'provider.unbound',
  profile_saved: 'profile.saved',
  signed_out_everywhere: 'everywhere.done',
  contact_changed: 'contact.changed',
  reauthenticated: 'reauth.confirmed',
  already_signed_in: 'guest.alreadySignedIn',
  ended_others: 'ended.others',
  ended_reset: 'ended.reset',
  ended_upstream: 'ended.upstream',
};

/**
 * Per-request view locals: language, translator, CSRF token maker, signed-in user, notice, and the gateway's clock
 * (`now`, for what renders a page after a failure); no caching of pages.
 */
export function viewLocals(config: Config, now: () => number): RequestHandler {
  return function viewLocalsMiddleware(req, res, next) {
    const locale = pickLocale(req);
    const chosen = requestedLocale(req);
    if (chosen) {
      res.cookie(LANG_COOKIE, chosen, { path: '/', sameSite: 'lax', secure: config.session.secureCookie, maxAge: 365 * 864e5 });
    }
    const otherLocale = locale === 'en' ? 'zh-CN' : 'en';
    const t = translator(locale);
    const user = req.session?.user;
    res.setHeader('Cache-Control', 'no-store');
    Object.assign(res.locals, {
      appName: config.pages.appName ?? t('app.title'),
      termsUrl: config.pages.termsUrl,
      privacyUrl: config.pages.privacyUrl,
      passwordMax: MAX.password,
      now,
      // Without Redis the development store holds only this process's sessions: the sessions page says so.
      processOnlySessions: !config.redis.url && !config.redis.clusterNodes,
      fieldErrors: {},
      // A wall-clock time in the page's language, with the zone (the server cannot know the reader's).
      clock: (ms: number) =>
        new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' }).format(ms),
      locale,
      otherLocale,
      // Any path can reach a page (the 404 page above all): only a same-origin one goes into the link.
      langSwitchHref: `${safeReturnTo(req.path)}?lang=${otherLocale}`,
      t,
      user,
      displayName: user ? (user.name ?? user.username ?? user.phone_number ?? user.email ?? user.sub) : undefined,
      csrfToken: () => {
        const t = now();
        return csrfToken(config, req, res, t, () => initSession(req, t));
      },
      notice: pageNotice(req, t),
    });
    next();
  };
}

/** The notice a page shows: why this device was signed out from elsewhere, else a redirect's `?notice=`, else a timeout. */
function pageNotice(req: Request, t: Translate): string | undefined {
  if (req.endedElsewhere) return t(NOTICES[`ended_${req.endedElsewhere}`]!);
  if (typeof req.query.notice === 'string' && Object.hasOwn(NOTICES, req.query.notice)) return t(NOTICES[req.query.notice]!);
  return req.sessionTimedOut ? t('err.session_expired') : undefined;
}

/** A field as typed, to show back in a re-rendered form (validation is readForm's job): trimmed, cut to max. */
export function str(body: unknown, name: string, max = 256): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof v !== 'string') return '';
  return v.length > max ? v.slice(0, max) : v.trim();
}

/**
 * Re-renders a form after a failed POST: the mapped message, the entered values (never a password), and a captcha
 * when CloudBase asked for one.
 */
export async function renderFailure(
  req: Request,
  res: Response,
  auth: AuthService,
  view: string,
  err: unknown,
  locals: Record<string, unknown> = {},
): Promise<void> {
  // fromUpstream rethrows what is neither an AppError nor an upstream failure (a bug): the error page answers it.
  const appErr = fromUpstream(err);
  if (!startErrorResponse(req, res, appErr, { level: 'warn', msg: 'form failed upstream' })) return;
  const now = res.locals.now as () => number;
  const captcha = wantsCaptcha(appErr) ? await newCaptchaChallenge(captchaContext(req, auth, now)) : undefined;
  const t = res.locals.t as Translate;
  const fieldErrors = appErr.extra.field ? { [appErr.extra.field]: fieldMessage(appErr, req.body) } : {};
  res.render(view, { ...locals, error: errorText(appErr, t), errorCode: appErr.code, captcha, fieldErrors });
}

/** The message shown next to the field an error names: an empty field is asked for, a generic refusal names it. */
function fieldMessage(err: AppError, body: unknown): MessageKey {
  const typed = (body as Record<string, unknown> | undefined)?.[err.extra.field!];
  if (err.messageKey !== 'err.invalid_input') return err.messageKey;
  return typed === undefined || typed === '' ? 'form.required' : 'form.invalidField';
}

/** Data URL → bytes and type, only for image types a browser can show safely from our origin. */
export function decodeImage(dataUrl: string): { type: string; body: Buffer } | undefined {
  const m = /^data:(image\/(?:png|gif|jpeg|svg\+xml));base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl);
  if (!m) return undefined;
  return { type: m[1]!, body: Buffer.from(m[2]!, 'base64') };
}
