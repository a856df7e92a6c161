/**
 * Third-party providers and custom tickets: `startProvider` → (the provider's consent page) → `finishProvider`; a
 * native app's code (`signInWithProviderCode`); a custom ticket (`signInWithTicket`).
 */
export { finishProvider, offeredProvider, signInWithProviderCode, signInWithTicket, startProvider } from './signin.js';
export { STATE_TTL_MS, type ProviderMode, type ProviderStart } from './state.js';
