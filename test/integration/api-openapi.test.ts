import { startTestGateway, type TestGateway, type Exchange } from '../support/gateway.js';
import { expectApiError, finishApiSuite, mobile, RELAXED_LIMITS, spa } from '../support/api.js';
import { compileAllResponseSchemas, openApiProblems } from '../support/openapi-check.js';
import { createApiRouter } from '../../src/routes/api/index.js';
import { OPENAPI } from '../../src/routes/api/openapi.js';
import { SESSION_CHALLENGE } from '../../src/routes/api/challenge.js';
import type { RouteDeps } from '../../src/routes/deps.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ env: RELAXED_LIMITS });
});

afterAll(() => finishApiSuite(gw));

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every `METHOD /api/path` the API router registers, in OpenAPI's `{param}` form. */
function registeredRoutes(): string[] {
  const deps = { config: gw.config } as unknown as RouteDeps;
  const router = createApiRouter(deps) as unknown as { stack: RouteLayer[] };
  return router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} /api${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`)
      : [],
  );
}

/** The document's `METHOD /api/path`s (the proxy is a prefix, and the captcha pictures are routes of the pages). */
function documentedRoutes(): string[] {
  return Object.entries(OPENAPI.paths)
    .filter(([path]) => path.startsWith('/api/') && !path.startsWith('/api/proxy/'))
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
}

describe('when a client generator reads the OpenAPI document', () => {
  it('serves the OpenAPI 3.1 document', async () => {
    const res = await spa(gw).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(OPENAPI)));
    expect(res.body.openapi).toBe('3.1.0');
  });

  it('describes every route registered under /api, and no route that is not', () => {
    expect(registeredRoutes().sort()).toEqual(documentedRoutes().sort());
  });

  it('holds response schemas that compile as JSON Schema 2020-12 (ajv strict mode)', () => {
    expect(compileAllResponseSchemas()).toBeGreaterThan(50);
  });

  it('documents the contract routes, the headers and both ways to authenticate', () => {
    const doc = OPENAPI as unknown as {
      paths: Record<string, Record<string, { parameters?: { $ref?: string }[] }>>;
      components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string }> };
    };
    for (const route of [
      'GET /api/session',
      'POST /api/session/login',
      'POST /api/session/anonymous',
      'POST /api/session/sms/send',
      'POST /api/session/sms/verify',
      'POST /api/session/signup',
      'DELETE /api/session',
      'GET /api/sessions',
      'DELETE /api/sessions/{id}',
      'POST /api/sessions/revoke-others',
      'GET /api/openapi.json',
    ]) {
      expect(documentedRoutes()).toContain(route);
    }
    expect(Object.keys(doc.paths['/api/proxy/{name}/{path}']!)).toEqual(['get', 'post', 'put', 'patch', 'delete']);
    const loginParams = doc.paths['/api/session/login']!.post!.parameters!.map((p) => p.$ref);
    expect(loginParams).toEqual([
      '#/components/parameters/XCSRF',
      '#/components/parameters/XSessionMode',
      '#/components/parameters/XDeviceToken',
    ]);
    expect(doc.components.securitySchemes.sessionToken).toMatchObject({ type: 'http', scheme: 'Session' });
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie' });
  });
});

describe('operations', () => {
  const operations = () =>
    Object.entries(OPENAPI.paths as unknown as Record<string, Record<string, { operationId?: string; tags?: readonly string[] }>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, ...op })),
    );

  it('each has an operationId of its own and a tag the document declares, for client generators', () => {
    const declared = new Set<string>(OPENAPI.tags.map((t) => t.name));
    const ids = operations().map((op) => op.operationId);
    expect(ids.filter((id) => typeof id !== 'string' || !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations().filter((op) => op.tags?.length !== 1 || !declared.has(op.tags[0]!)).map((op) => op.where)).toEqual([]);
  });

  it('include the captcha picture and its new-picture route that an error\'s image_url points at', () => {
    const byWhere = new Map(operations().map((op) => [op.where, op]));
    expect(byWhere.get('GET /captcha/{id}')).toMatchObject({ operationId: 'getCaptchaImage', tags: ['captcha'] });
    expect(byWhere.get('GET /captcha/{id}/new')).toMatchObject({ operationId: 'renewCaptchaImage', tags: ['captcha'] });
  });
});

interface Operation {
  operationId?: string;
  tags?: string[];
  responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }>;
}

function operations(): [string, Operation][] {
  const doc = OPENAPI as unknown as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${path}`, op]));
}

describe('operation ids, tags and the 401 challenge', () => {
  it('gives every operation a unique operationId and a declared tag', () => {
    const declared = new Set((OPENAPI.tags as readonly { name: string }[]).map((t) => t.name));
    const ids = operations().map(([route, op]) => {
      expect({ route, id: typeof op.operationId }).toEqual({ route, id: 'string' });
      expect({ route, tagged: (op.tags ?? []).length > 0 && (op.tags ?? []).every((t) => declared.has(t)) }).toEqual({ route, tagged: true });
      return op.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(15);
  });

  it('declares WWW-Authenticate on every documented 401', () => {
    const unauthorized = (OPENAPI.components.responses as Record<string, { headers?: Record<string, unknown> }>).Unauthorized!;
    const without = operations()
      .filter(([, op]) => op.responses['401'])
      .filter(([, op]) => {
        const r = op.responses['401']!;
        return !(r.$ref ? unauthorized.headers : r.headers)?.['WWW-Authenticate'];
      })
      .map(([route]) => route);
    expect(operations().filter(([, op]) => op.responses['401']).length).toBeGreaterThan(5);
    expect(without).toEqual([]);
  });

  it('sends the Session challenge on real 401s: signed out, no session for a signed-in route, wrong password', async () => {
    const signedOut = await spa(gw).get('/api/session');
    expect(signedOut.status).toBe(401);
    expect(signedOut.headers['www-authenticate']).toBe(SESSION_CHALLENGE);

    const app = mobile(gw);
    const list = await app.get('/api/sessions');
    expectApiError(list, 401, 'not_signed_in');
    expect(list.headers['www-authenticate']).toBe(SESSION_CHALLENGE);

    const forged = await app.call('get', '/api/session', undefined, { Authorization: 'Session forged.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(forged.status).toBe(401);
    expect(forged.headers['www-authenticate']).toBe(SESSION_CHALLENGE);

    const wrong = await app.post('/api/session/login', { username: 'nobody-here', password: 'not-the-password-1' });
    expectApiError(wrong, 401, 'login_failed');
    expect(wrong.headers['www-authenticate']).toBe(SESSION_CHALLENGE);
  });

  it('sends no challenge on answers that are not 401', async () => {
    const doc = await spa(gw).get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.headers['www-authenticate']).toBeUndefined();
  });
});

describe('the response check used by every API test file', () => {
  const exchange = (method: string, url: string, status: number, body: unknown): Exchange => ({
    method,
    url,
    status,
    headers: {},
    body: body === undefined ? '' : JSON.stringify(body),
  });

  it('accepts real-shaped answers', () => {
    expect(
      openApiProblems([
        exchange('GET', '/api/session', 401, { authenticated: false }),
        exchange('DELETE', '/api/sessions/abc', 204, undefined),
        exchange('POST', '/api/session/login', 400, { error: { code: 'invalid_input', message: 'x', field: 'username' } }),
      ]),
    ).toEqual([]);
  });

  it('catches a body that drifted from its schema, an undocumented status and an undocumented route', () => {
    const problems = openApiProblems([
      exchange('GET', '/api/session', 200, { authenticated: true }),
      exchange('POST', '/api/session/login', 418, { error: { code: 'teapot', message: 'x' } }),
      exchange('GET', '/api/secret-route', 200, {}),
      exchange('POST', '/api/session/login', 401, { error: { code: 'login_failed' } }),
    ]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/GET \/api\/session → 200: .*user/);
    expect(problems[1]).toMatch(/status not documented/);
    expect(problems[2]).toMatch(/route not in the document/);
    expect(problems[3]).toMatch(/message/);
  });
});
