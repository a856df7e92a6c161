/**
 * The code family: sign-in, sign-up and password reset by a code sent to a phone (SMS) or an email address. Steps over validated input, in
 * the order a person meets them: `sendCode` → `verifyCode` → `afterCodeVerified` → `completeSignup` | `completeReset`.
 */
export { currentFlow, sendCode, verifyCode, type SendCodeInput, type VerifiedFlow } from './code.js';
export { afterCodeVerified, completeReset, completeSignup, type AfterCode, type SignupProfile } from './finish.js';
export { contactFromKey, contactOf, emailAddress, EMAIL_MAX, invalidCode, phoneNumber, verificationCode, type TypedContact } from './input.js';
