import { z } from 'zod';
import { DEFAULT_PROVIDERS, type ProviderConfig } from './state.js';

const ID = /^[a-z][a-z0-9_-]{1,31}$/;

/** One provider as the control route takes it: `{id, name?, auto_sign_up?}`. */
export const providerInput = z
  .object({
    id: z.string().regex(ID, 'lower-case letters, digits, "_" or "-", starting with a letter (2-32)'),
    name: z.string().min(1).max(64).optional(),
    auto_sign_up: z.boolean().default(true),
  })
  .strict()
  .transform((p): ProviderConfig => ({ id: p.id, name: p.name ?? p.id, autoSignUp: p.auto_sign_up }));

export const toProviderOutput = (p: ProviderConfig) => ({ id: p.id, name: p.name, auto_sign_up: p.autoSignUp });

/**
 * `EMULATOR_PROVIDERS`: comma-separated `id[:Display name][:manual]` (`manual`: sign-in does not sign people up by
 * itself), e.g. `wx_open:WeChat,github,google:Google:manual`. Unset → wx_open, github and google; empty → none.
 */
export function parseEmulatorProviders(value: string | undefined): ProviderConfig[] {
  if (value === undefined) return DEFAULT_PROVIDERS.map((p) => ({ ...p }));
  const seen = new Set<string>();
  const providers: ProviderConfig[] = [];
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [id = '', name, mode, ...rest] = entry.split(':').map((part) => part.trim());
    if (!ID.test(id) || rest.length > 0 || (mode !== undefined && mode !== 'manual' && mode !== 'auto')) {
      throw new Error(
        `EMULATOR_PROVIDERS: "${entry}" is not id[:Display name][:manual|auto] (id: lower-case letters, digits, _ or -)`,
      );
    }
    if (seen.has(id)) throw new Error(`EMULATOR_PROVIDERS: provider "${id}" is listed twice`);
    seen.add(id);
    const known = DEFAULT_PROVIDERS.find((p) => p.id === id);
    providers.push({ id, name: name || known?.name || id, autoSignUp: mode !== 'manual' });
  }
  return providers;
}
