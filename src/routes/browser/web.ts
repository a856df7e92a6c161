import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config/index.js';
import { AppError, errorText } from '../../errors/app-error.js';
import { httpStatus, startErrorResponse } from '../../http/errors.js';
import { fromUpstream } from '../../errors/upstream.js';
import { csrfToken } from '../../http/csrf.js';
import { safeReturnTo } from '../../http/return-to.js';
import { LANG_COOKIE, pickLocale, requestedLocale, translator, type MessageKey, type Translate } from '../../i18n/index.js';
import { initSession } from '../../session/policy.js';
import { newCaptchaChallenge, wantsCaptcha } from '../../flows/captcha.js';
import { captchaContext } from '../flow-context.js';
import { MAX } from '../forms.js';
import type { RouteDeps } from '../deps.js';
import { keepFlash, takeFlash, type Flash } from '../flash.js';

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
 * The pages that hold forms, most specific first: a POST's page is the first whose path it starts with. It is where a
 * failed post goes back to, and what the language link of a page answered to a POST (an error page) points at.
 */
export const FORM_PAGES: readonly string[] = ['/login/sms', '/login', '/signup', '/password/reset', '/account/sessions', '/account/profile', '/account/contact', '/account'];

/** The page (GET) a form POST belongs to; home for any other path. */
export function formPageOf(path: string): string {
  return FORM_PAGES.find((p) => path === p || path.startsWith(`${p}/`)) ?? '/';
}

/**
 * What of a page's query its language link keeps: where the flow lands, a notice, the sessions page's cursor. Nothing
 * else: a provider's callback carries a one-time code and state in its query, and the page must not repeat them.
 */
const KEPT_QUERY: readonly string[] = ['returnTo', 'notice', 'cursor'];

/**
 * The language link: the page's own address (`returnTo` and the like kept, `lang` replaced); for a page answered to a
 * POST, the form's page with the post's `returnTo`, never the POST route itself.
 */
function languageHref(req: Request, otherLocale: string): string {
  const query = new URLSearchParams();
  let path: string;
  if (req.method === 'GET' || req.method === 'HEAD') {
    // Any path can reach a page (the 404 page above all): only a same-origin one goes into the link.
    path = safeReturnTo(req.path);
    for (const k of KEPT_QUERY) {
      const v = req.query[k];
      if (typeof v === 'string' && v.length <= 2048) query.set(k, v);
    }
  } else {
    path = formPageOf(req.path);
    const back = safeReturnTo((req.body as Record<string, unknown> | undefined)?.returnTo);
    if (back !== '/') query.set('returnTo', back);
  }
  query.set('lang', otherLocale);
  return `${path}?${query.toString()}`;
}

/**
 * Per-request view locals: language, translator, CSRF token maker, signed-in user, notice, and the flash a failed post
 * left for this page (taken: shown once); no caching of pages.
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
      values: {},
      // A wall-clock time in the page's language, with the zone (the server cannot know the reader's).
      clock: (ms: number) =>
        new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' }).format(ms),
      locale,
      otherLocale,
      langSwitchHref: languageHref(req, otherLocale),
      t,
      user,
      displayName: user ? (user.name ?? user.username ?? user.phone_number ?? user.email ?? user.sub) : undefined,
      csrfToken: () => {
        const t = now();
        return csrfToken(config, req, res, t, () => initSession(req, t));
      },
      notice: pageNotice(req, t),
    });
    const flash = takeFlash(req, res, config, now());
    if (flash) Object.assign(res.locals, flashLocals(req, flash, t));
    next();
  };
}

/** The notice a page shows: why this device was signed out from elsewhere, else a redirect's `?notice=`, else a timeout. */
function pageNotice(req: Request, t: Translate): string | undefined {
  if (req.endedElsewhere) return t(NOTICES[`ended_${req.endedElsewhere}`]!);
  if (typeof req.query.notice === 'string' && Object.hasOwn(NOTICES, req.query.notice)) return t(NOTICES[req.query.notice]!);
  return req.sessionTimedOut ? t('err.session_expired') : undefined;
}

/** A field as typed, to show back after a failed post (validation is readForm's job): trimmed, cut to max. */
export function str(body: unknown, name: string, max = 256): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof v !== 'string') return '';
  return v.length > max ? v.slice(0, max) : v.trim();
}

/** A failed form post: where it goes back to and what it keeps. */
export interface FailedPost {
  /** the page (GET) the form is on; by default the one `formPageOf` names for the POST's path */
  page?: string;
  /** kept on the page's address, so the flow still lands there */
  returnTo?: string;
  /** fields as typed, shown again; a password, code, captcha answer or ticket is dropped whatever is passed */
  values?: Record<string, string | undefined>;
  /** which form of the page (the account page's) or which step (an SMS page's phone step) failed */
  form?: string;
}

/** A page's address with `returnTo` kept (a bare "/" is the default and left out). */
export function pageHref(page: string, returnTo?: string): string {
  const back = returnTo === undefined ? '/' : safeReturnTo(returnTo);
  return back === '/' ? page : `${page}?${new URLSearchParams({ returnTo: back }).toString()}`;
}

/**
 * After a failed form POST: post/redirect/get. The error (message keys, the field at fault, Retry-After), the values
 * as typed (never a password) and a captcha when CloudBase asked for one go into a one-shot flash, and the answer is a
 * 303 to the form's page, which shows them once. So Refresh and Back never re-send the form, and a reload shows a
 * clean page.
 */
export async function failForm(
  req: Request,
  res: Response,
  { auth, config, now }: Pick<RouteDeps, 'auth' | 'config' | 'now'>,
  err: unknown,
  post: FailedPost = {},
): Promise<void> {
  // fromUpstream rethrows what is neither an AppError nor an upstream failure (a bug): the error page answers it.
  const appErr = fromUpstream(err);
  // With the session store away, a flash kept in the session would be lost: the error page (503, Retry-After) says it.
  if (appErr.code === 'store_unavailable') throw appErr;
  if (!startErrorResponse(req, res, appErr, { level: 'warn', msg: 'form failed upstream' })) return;
  const captcha = wantsCaptcha(appErr) ? await newCaptchaChallenge(captchaContext(req, auth, now)) : undefined;
  const page = post.page ?? formPageOf(req.path);
  const field = appErr.extra.field;
  keepFlash(req, res, config, {
    page,
    at: now(),
    code: appErr.code,
    key: appErr.messageKey,
    ...(field ? { field, fieldKey: fieldMessage(appErr, req.body) } : {}),
    ...(appErr.extra.retryAfterS ? { retryAfterS: appErr.extra.retryAfterS } : {}),
    ...(post.values ? { values: post.values as Record<string, string> } : {}),
    ...(post.form ? { form: post.form } : {}),
    ...(captcha ? { captcha: captcha.id } : {}),
  });
  res.redirect(303, pageHref(page, post.returnTo));
}

/** What a page shows from its flash: the error, the fields at fault, the captcha (when still pending). */
function flashLocals(req: Request, flash: Flash, t: Translate): Record<string, unknown> {
  const err = new AppError(flash.code, {
    messageKey: flash.key,
    ...(flash.retryAfterS ? { retryAfterS: flash.retryAfterS } : {}),
    ...(flash.field ? { field: flash.field } : {}),
  });
  const pending = req.session?.captcha;
  return {
    error: errorText(err, t),
    errorCode: flash.code,
    fieldErrors: flash.field && flash.fieldKey ? { [flash.field]: flash.fieldKey } : {},
    ...(flash.captcha && pending?.id === flash.captcha ? { captcha: { id: pending.id, imageUrl: `/captcha/${pending.id}` } } : {}),
    ...(flash.form ? { failedForm: flash.form } : {}),
    values: flash.values ?? {},
    failedPost: { ...(flash.form ? { form: flash.form } : {}), values: flash.values ?? {}, status: httpStatus(err) },
  };
}

/** The failed post this page view shows (from its flash), for pages whose state depends on it; else undefined. */
export function failedPost(res: Response): ShownFailure | undefined {
  return res.locals.failedPost as ShownFailure | undefined;
}

export interface ShownFailure {
  form?: string;
  values: Record<string, string>;
  /** the failure's HTTP status had it been answered directly (a 5xx: CloudBase was slow or away) */
  status: number;
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
