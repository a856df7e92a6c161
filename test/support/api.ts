import supertest, { type Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { finishSuite, type TestGateway } from './gateway.js';
import { assertMatchesOpenApi } from './openapi-check.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiClient {
  get(path: string): Promise<Response>;
  post(path: string, body?: unknown): Promise<Response>;
  del(path: string): Promise<Response>;
  call(method: Method, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** A single-page app in a browser: keeps cookies, sends `X-CSRF: 1` on writes. */
export interface SpaClient extends ApiClient {
  agent: TestAgent;
}

/** A native app: no cookies, `X-Session-Mode: token`, and `Authorization: Session` once it holds a token. */
export interface MobileClient extends ApiClient {
  token: string | undefined;
}

const WRITES = new Set<Method>(['post', 'put', 'patch', 'delete']);

export function spa(gw: TestGateway): SpaClient {
  const agent = gw.agent();
  const call: ApiClient['call'] = async (method, path, body, headers = {}) => {
    let req = agent[method](path).set('Accept', 'application/json');
    if (WRITES.has(method)) req = req.set('X-CSRF', '1');
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return body === undefined ? req : req.send(body as object);
  };
  return { agent, call, get: (p) => call('get', p), post: (p, b) => call('post', p, b), del: (p) => call('delete', p) };
}

export function mobile(gw: TestGateway): MobileClient {
  const client: MobileClient = {
    token: undefined,
    async call(method, path, body, headers = {}) {
      let req = supertest(gw.server)[method](path).set('Accept', 'application/json').set('X-Session-Mode', 'token');
      if (client.token) req = req.set('Authorization', `Session ${client.token}`);
      for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
      const res = await (body === undefined ? req : req.send(body as object));
      const issued = (res.body as { session_token?: unknown } | undefined)?.session_token;
      if (typeof issued === 'string') client.token = issued;
      return res;
    },
    get: (p) => client.call('get', p),
    post: (p, b) => client.call('post', p, b),
    del: (p) => client.call('delete', p),
  };
  return client;
}

/** The JSON error shape with the given status and code. */
export function expectApiError(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: (res.body as { error?: { code?: string } }).error?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(0);
}

export function sessionCookieOf(res: Response): string | undefined {
  const cookies = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return cookies.find((c) => /^(__Host-)?cbg\.sid=/.test(c));
}

/** Limits high enough that a test file's many calls from 127.0.0.1 never trip them (their own tests cover them). */
export const RELAXED_LIMITS: Record<string, string> = {
  LIMIT_LOGIN_IP_FAILURES: '100000',
  LIMIT_SMS_PER_IP_HOUR: '1000000',
  LIMIT_SMS_COOLDOWN_S: '0',
};

/** Each test gets numbers of its own, so codes and accounts never cross (`base` keeps files apart). */
export function phoneNumbers(base: number): () => string {
  let next = base;
  return () => `139${String(next++).padStart(8, '0')}`;
}

/** Ends an API test file: the leak guard, every answer checked against the OpenAPI document, then the gateway closed. */
export async function finishApiSuite(gw: TestGateway): Promise<void> {
  try {
    assertMatchesOpenApi(gw.transcript);
  } finally {
    await finishSuite(gw);
  }
}
