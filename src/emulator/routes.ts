import * as ops from './operations/index.js';
import type { OperationInput } from './operations/index.js';
import type { EmulatorState } from './state.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteContext {
  log: (line: string) => void;
}

export interface AuthRoute {
  method: Method;
  /** The documented path (relative to /auth/v1) first, then cheat-sheet aliases. */
  paths: [string, ...string[]];
  run: (state: EmulatorState, input: OperationInput, ctx: RouteContext) => unknown;
}

/** Every /auth/v1 endpoint the emulator answers, and the operation behind it. */
export const AUTH_ROUTES: AuthRoute[] = [
  { method: 'POST', paths: ['/signin'], run: ops.signIn },
  { method: 'POST', paths: ['/signup'], run: ops.signUp },
  { method: 'POST', paths: ['/verification'], run: (state, input, ctx) => ops.sendVerification(state, input, ctx.log) },
  { method: 'POST', paths: ['/verification/verify'], run: ops.verifyCode },
  { method: 'POST', paths: ['/signin/anonymously', '/signin-anonymously'], run: ops.signInAnonymously },
  { method: 'POST', paths: ['/token'], run: ops.grantToken },
  { method: 'GET', paths: ['/token/introspect'], run: ops.introspect },
  { method: 'POST', paths: ['/revoke'], run: ops.revoke },
  { method: 'POST', paths: ['/user/signout'], run: ops.signOut },
  { method: 'DELETE', paths: ['/user/revoke/all'], run: ops.revokeAll },
  { method: 'GET', paths: ['/user/me'], run: ops.getMe },
  { method: 'DELETE', paths: ['/user/me'], run: ops.deleteMe },
  { method: 'POST', paths: ['/user/sudo'], run: ops.sudo },
  { method: 'PATCH', paths: ['/user/password'], run: ops.updatePassword },
  { method: 'POST', paths: ['/reset'], run: ops.resetPassword },
  { method: 'GET', paths: ['/user/provider', '/user/providers'], run: ops.listProviders },
  { method: 'GET', paths: ['/provider/uri'], run: ops.providerUri },
  { method: 'POST', paths: ['/provider/token'], run: ops.grantProviderToken },
  { method: 'POST', paths: ['/signin/with/provider'], run: ops.signInWithProvider },
  { method: 'POST', paths: ['/signin/custom'], run: ops.signInCustom },
  { method: 'POST', paths: ['/user/provider/bind'], run: ops.bindProvider },
  { method: 'DELETE', paths: ['/user/provider/:provider_id'], run: ops.unbindProvider },
  { method: 'POST', paths: ['/user/basic/edit'], run: ops.editBasicInfo },
  { method: 'GET', paths: ['/checkIfUserExist'], run: ops.checkIfUserExist },
  { method: 'PATCH', paths: ['/user/contact'], run: ops.editContact },
  { method: 'GET', paths: ['/user/security/history'], run: ops.securityHistory },
  { method: 'DELETE', paths: ['/user/authorized/devices/:device_id'], run: ops.revokeDevice },
  { method: 'POST', paths: ['/captcha/data'], run: ops.createCaptcha },
  { method: 'POST', paths: ['/captcha/data/verify'], run: ops.verifyCaptcha },
];
