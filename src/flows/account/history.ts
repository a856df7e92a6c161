import { deviceLabel } from '../../session/device-label.js';
import type { FlowContext } from '../context.js';
import type { SignedInCaller } from './index.js';

export const HISTORY_PAGE_SIZE = 20;
/** CloudBase's page token is opaque: only its length and an unremarkable alphabet are checked before it is passed on. */
export const HISTORY_CURSOR = /^[A-Za-z0-9._~=+/-]{1,200}$/;

export interface SignInEntry {
  id: string;
  created_at: string;
  device: string;
  ip: string;
  /** signed in with this session's device id */
  current: boolean;
}

export interface SignInHistory {
  entries: SignInEntry[];
  nextCursor: string | undefined;
}

/**
 * One page of the account's sign-ins (`GET /user/security/history`), newest first. An entry belongs to this session when
 * CloudBase recorded this session's device id (the `x-device-id` every call carries, kept across sign-in).
 */
export async function signInHistory(c: FlowContext, caller: SignedInCaller, page: { deviceId: string; cursor?: string | undefined }): Promise<SignInHistory> {
  const accessToken = await caller.accessToken();
  const answer = await c.auth.signInHistory(c.call(), accessToken, { limit: HISTORY_PAGE_SIZE, page_token: page.cursor });
  return {
    entries: answer.data.map((e) => ({
      id: String(e.id),
      created_at: new Date(e.created_at).toISOString(),
      device: deviceLabel(e.user_agent),
      ip: e.ip ?? '',
      current: e.device_id !== '' && e.device_id === page.deviceId,
    })),
    nextCursor: answer.next_page_token || undefined,
  };
}
