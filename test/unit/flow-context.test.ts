import type { Request } from 'express';
import type { AuthService } from '../../src/services/auth.js';
import { captchaContext, flowContext, formFlowContext } from '../../src/routes/flow-context.js';
import { mapsProbe } from '../support/maps-probe.js';

const auth = {} as AuthService;

function fakeRequest(over: Record<string, unknown> = {}) {
  let logReads = 0;
  const log = { info: () => undefined, warn: () => undefined };
  const req = {
    id: 'req-1',
    ip: '203.0.113.9',
    sessionID: 'sid-1',
    session: { created: 5, seen: 5, did: 'device-1' } as Record<string, unknown>,
    get log() {
      logReads++;
      return log;
    },
    ...over,
  };
  return { req: req as unknown as Request, log, reads: () => logReads };
}

describe('flowContext', () => {
  it("carries the request's session, the typed captcha answer (strings only) and the clock", () => {
    const { req } = fakeRequest();
    const now = () => 42;
    const c = flowContext(req, auth, now, 'ab12');
    expect(c.session).toBe(req.session);
    expect(c.auth).toBe(auth);
    expect(c.now()).toBe(42);
    expect(c.captchaAnswer).toBe('ab12');
    expect(flowContext(req, auth, now, ['ab12']).captchaAnswer).toBeUndefined();
    expect(flowContext(req, auth, now, undefined).captchaAnswer).toBeUndefined();
  });

  it('builds the upstream call context from the request, with the captcha token when given', () => {
    const { req } = fakeRequest();
    const c = flowContext(req, auth, () => 42, undefined);
    expect(c.call()).toEqual({ requestId: 'req-1', deviceId: 'device-1', ip: '203.0.113.9', sessionKey: 'sid-1' });
    expect(c.call('cap-token')).toEqual({ requestId: 'req-1', deviceId: 'device-1', captchaToken: 'cap-token', ip: '203.0.113.9', sessionKey: 'sid-1' });
    // `call` is used detached by some flows
    const { call } = c;
    expect(call().requestId).toBe('req-1');
  });

  it("reads the request's logger on first use only, and each time from the request", () => {
    const { req, log, reads } = fakeRequest();
    const c = flowContext(req, auth, () => 1, undefined);
    expect(reads()).toBe(0);
    expect(c.log).toBe(log);
    expect(reads()).toBe(1);
  });

  it('takes the captcha answer of a form from its raw field', () => {
    const { req } = fakeRequest({ body: { captcha_answer: 'x9' } });
    expect(formFlowContext(req, auth, () => 1).captchaAnswer).toBe('x9');
    const { req: noBody } = fakeRequest();
    expect(formFlowContext(noBody, auth, () => 1).captchaAnswer).toBeUndefined();
    expect(captchaContext(req, auth, () => 1).call().requestId).toBe('req-1');
  });

  // The reason it is a class (routes/flow-context.ts): checked in V8 itself, in a child process with
  // --allow-natives-syntax. A getter in each context's own literal makes it a dictionary-mode object.
  it('makes contexts with fast properties on one shared V8 map, the logger getter on the prototype', async () => {
    const { req } = fakeRequest();
    expect(Object.getOwnPropertyDescriptor(flowContext(req, auth, () => 1, undefined), 'log')).toBeUndefined();
    expect(await mapsProbe('flow-context-maps-probe')).toEqual({ contexts: 6, fast: true, shared: true });
  });
});
