import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import tcb from '@cloudbase/node-sdk';
import { startTestEmulator, type RunningEmulator } from '../support/emulator.js';

/** Tickets minted by Tencent's own server SDK, from the key the emulator publishes, signed in at /signin/custom. */

const ENV_ID = 'ticket-env';
let emu: RunningEmulator;
let clockOffsetMs = 0;
const api = () => request(emu.url);

interface Credentials {
  private_key_id: string;
  private_key: string;
  env_id: string;
}

async function credentials(): Promise<Credentials> {
  return (await api().get('/__emulator/custom-login-key').expect(200)).body as Credentials;
}

async function mint(uid: string, creds?: Credentials): Promise<string> {
  const app = tcb.init({ env: ENV_ID, credentials: creds ?? (await credentials()) });
  return app.auth().createTicket(uid);
}

beforeAll(async () => {
  emu = await startTestEmulator({ envId: ENV_ID, now: () => Date.now() + clockOffsetMs });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(() => {
  clockOffsetMs = 0;
});

describe('when a client signs in at the emulator with a @cloudbase/node-sdk ticket', () => {
  it('publishes the key in the node-sdk credentials format', async () => {
    const creds = await credentials();
    expect(creds).toEqual({ private_key_id: expect.stringMatching(/^[0-9a-f]{32}$/), private_key: expect.stringContaining('PRIVATE KEY'), env_id: ENV_ID });
  });

  it('a new uid creates its user; the same uid signs in to the same user', async () => {
    const first = await api().post('/auth/v1/signin/custom').send({ provider_id: 'custom', ticket: await mint('app-user-1') }).expect(200);
    const second = await api().post('/auth/v1/signin/custom').send({ provider_id: 'custom', ticket: await mint('app-user-1') }).expect(200);
    const other = await api().post('/auth/v1/signin/custom').send({ ticket: await mint('app-user-2') }).expect(200);
    expect(second.body.sub).toBe(first.body.sub);
    expect(other.body.sub).not.toBe(first.body.sub);
    const me = await api().get('/auth/v1/user/me').auth(first.body.access_token, { type: 'bearer' }).expect(200);
    expect(me.body.providers).toContainEqual(expect.objectContaining({ id: 'custom', provider_user_id: 'app-user-1' }));
  });

  it('refuses an expired ticket, a forged or foreign-key ticket and a wrong provider_id', async () => {
    const ticket = await mint('app-user-3');
    clockOffsetMs = 11 * 60 * 1000;
    const expired = await api().post('/auth/v1/signin/custom').send({ ticket });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe('invalid_grant');
    clockOffsetMs = 0;

    const [keyId, jwt = ''] = ticket.split('/@@/');
    const [header, payload, signature] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, uid: 'someone-else' })).toString('base64url');
    const forged = await api().post('/auth/v1/signin/custom').send({ ticket: `${keyId}/@@/${header}.${forgedPayload}.${signature}` });
    expect(forged.body.error).toBe('invalid_grant');

    const otherEmu = await startTestEmulator({ envId: ENV_ID });
    try {
      const foreignCreds = (await request(otherEmu.url).get('/__emulator/custom-login-key').expect(200)).body as Credentials;
      const foreign = await api().post('/auth/v1/signin/custom').send({ ticket: await mint('app-user-4', foreignCreds) });
      expect(foreign.body.error).toBe('invalid_grant');
    } finally {
      await otherEmu.close();
    }
    const wrongProvider = await api().post('/auth/v1/signin/custom').send({ provider_id: 'github', ticket });
    expect(wrongProvider.body.error).toBe('invalid_argument');
  });
});
