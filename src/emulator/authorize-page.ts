import express, { Router, type Request } from 'express';
import { fail } from './errors.js';
import { fakeIdentity, issueProviderCode } from './operations/index.js';
import type { BoundIdentity, EmulatorState } from './state.js';

const FIELDS = ['sub', 'name', 'email', 'picture'] as const;

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function field(source: unknown, name: string): string | undefined {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

function redirectTarget(raw: string | undefined): URL {
  if (!raw) fail('invalid_argument', 'redirect_uri is required');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail('invalid_argument', 'redirect_uri must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('invalid_argument', 'redirect_uri must be http(s)');
  return url;
}

function providerOf(state: EmulatorState, req: Request) {
  const id = typeof req.params.id === 'string' ? req.params.id : '';
  const provider = state.providers.get(id);
  if (!provider) fail('provider_not_enabled', `identity provider "${id}" is not enabled`);
  return provider;
}

function page(providerName: string, action: string, redirectUri: string, stateParam: string, identity: BoundIdentity): string {
  const input = (name: (typeof FIELDS)[number]) =>
    `<label>${name} <input name="${name}" value="${escapeHtml(identity[name] ?? '')}"></label><br>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in with ${escapeHtml(providerName)} (emulator)</title></head>
<body>
<h1>${escapeHtml(providerName)} (CloudBase emulator)</h1>
<p>Allow the app to sign you in as:</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="redirect_uri" value="${escapeHtml(redirectUri)}">
<input type="hidden" name="state" value="${escapeHtml(stateParam)}">
${FIELDS.map(input).join('\n')}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>`;
}

/**
 * The stand-in for a provider's consent screen, at /__emulator/provider/:id/authorize: GET shows a form pre-filled with
 * a stable fake identity; POST (the form) redirects to `redirect_uri` with a single-use `code` or
 * `error=access_denied`, and the same `state`. Mounted before the JSON body parser: it reads a form.
 */
export function createAuthorizePageRouter(state: EmulatorState): Router {
  const router = Router();
  router.get('/:id/authorize', (req, res) => {
    const provider = providerOf(state, req);
    const redirectUri = field(req.query, 'redirect_uri');
    redirectTarget(redirectUri);
    const action = `${req.baseUrl}/${encodeURIComponent(provider.id)}/authorize`;
    res.type('html').send(page(provider.name, action, redirectUri ?? '', field(req.query, 'state') ?? '', fakeIdentity(state, provider.id)));
  });

  router.post('/:id/authorize', express.urlencoded({ extended: false, limit: '10kb' }), (req, res) => {
    const provider = providerOf(state, req);
    const redirectUri = field(req.body, 'redirect_uri');
    const target = redirectTarget(redirectUri);
    const decision = field(req.body, 'decision');
    if (decision !== 'approve' && decision !== 'deny') fail('invalid_argument', 'decision must be approve or deny');
    if (decision === 'approve') {
      const identity: BoundIdentity = { providerId: provider.id, sub: field(req.body, 'sub') ?? '' };
      for (const name of ['name', 'email', 'picture'] as const) {
        const value = field(req.body, name);
        if (value) identity[name] = value;
      }
      target.searchParams.set('code', issueProviderCode(state, identity, redirectUri));
    } else {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'the user denied the request');
    }
    const stateParam = field(req.body, 'state');
    if (stateParam) target.searchParams.set('state', stateParam);
    res.redirect(303, target.toString());
  });
  return router;
}
