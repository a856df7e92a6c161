import type { Method } from 'got';
import type { Shape } from './shape.js';
import type { CallContext, TokenResponse } from './types.js';

/** One upstream call as the client's methods describe it. */
export interface UpstreamRequest<T> {
  method: Method;
  endpoint: string;
  bearer?: string;
  query?: Record<string, string>;
  json?: object;
  /** Fields the answer must have; omitted for calls whose answer is ignored. */
  shape?: Shape<NoInfer<T>>;
}

/** The client's one way to reach CloudBase (headers, errors, metrics), handed to the groups of methods. */
export type Call = <T>(ctx: CallContext, req: UpstreamRequest<T>) => Promise<T>;

export const TOKEN_SHAPE: Shape<TokenResponse> = { access_token: 'string', expires_in: 'number', sub: 'string' };
