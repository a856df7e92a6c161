import type { Config } from '../config/index.js';
import { AppError } from '../errors/app-error.js';

/**
 * Sign-up's consent rule, one for the form and the JSON API: when TERMS_URL or PRIVACY_URL is set, an account is made
 * only with the person's consent; otherwise nothing is asked.
 */
export function consentAsked(config: Pick<Config, 'pages'>): boolean {
  return Boolean(config.pages.termsUrl || config.pages.privacyUrl);
}

/** Throws the catalogued refusal, naming the field `consent`, unless consent was given or is not asked for. */
export function requireConsent(config: Pick<Config, 'pages'>, given: boolean): void {
  if (consentAsked(config) && !given) throw new AppError('consent_required', { field: 'consent' });
}
