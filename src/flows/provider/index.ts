/**
 * Third-party providers and custom tickets: `startProvider` → (the provider's consent page) → `finishProvider`; a
 * native app's code (`signInWithProviderCode`); a custom ticket (`signInWithTicket`); binding (a start in `bind` mode)
 * and `unbindProvider` from the account page.
 */
export { finishProvider, offeredProvider, signInWithProviderCode, signInWithTicket, startProvider } from './signin.js';
export { unbindProvider } from './bind.js';
export { pendingProviderSignup, STATE_TTL_MS, type ProviderMode, type ProviderSignup, type ProviderStart } from './state.js';
