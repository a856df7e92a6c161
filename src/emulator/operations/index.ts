export { type OperationInput, input } from './input.js';
export { checkClient } from './client.js';
export { createCaptcha, verifyCaptcha, isValidCaptchaToken, captchaKey } from './captcha.js';
export { sendVerification, verifyCode } from './verification.js';
export { signIn, signUp, signInAnonymously, grantToken } from './signin.js';
export { introspect, revoke, revokeAll, signOut } from './session.js';
export { getMe, deleteMe, sudo, updatePassword, resetPassword, createUser, toUserProfile } from './user.js';
export type { TokenResponse } from './tokens.js';
export {
  providerUri,
  grantProviderToken,
  signInWithProvider,
  bindProvider,
  unbindProvider,
  listProviders,
  issueProviderCode,
  fakeIdentity,
} from './provider.js';
export { signInCustom } from './custom.js';
export { editBasicInfo, checkIfUserExist, editContact, securityHistory, revokeDevice } from './account.js';
