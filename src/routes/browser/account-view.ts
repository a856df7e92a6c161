import type { AuthService } from '../../services/auth.js';
import type { MessageKey, Translate } from '../../i18n/index.js';

export type AccountProfile = Awaited<ReturnType<AuthService['profile']>>;

export interface ProviderRow {
  id: string;
  name: string;
  bound: boolean;
}

export interface AccountView {
  name: string;
  username: string;
  email: string;
  phone: string;
  created?: { iso: string; text: string };
  providers: ProviderRow[];
  /** CloudBase's `has_password`; undefined when it does not say (then both ways of re-authenticating are offered) */
  hasPassword: boolean | undefined;
}

function formatDate(value: string | undefined, locale: string): AccountView['created'] {
  const date = value ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return undefined;
  return { iso: date.toISOString(), text: new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(date) };
}

/** Sign-in methods people know by name, in their language; any other keeps the name CloudBase gives it. */
const PROVIDER_NAMES: Record<string, MessageKey> = {
  phone: 'provider.phone',
  email: 'provider.email',
  username: 'provider.password',
  wx_open: 'provider.wechat',
  wx_mp: 'provider.wechat',
};

/**
 * CloudBase's profile as the account page shows it. The sign-in methods are the identities on the user (bound by
 * definition) followed by the provider list, which also names the ones that could be bound.
 */
export function accountView({ user, providers }: AccountProfile, locale: string, t: Translate): AccountView {
  const nameOf = (p: { id: string; name?: string | undefined }) =>
    Object.hasOwn(PROVIDER_NAMES, p.id) ? t(PROVIDER_NAMES[p.id]!) : p.name || p.id;
  const listed: ProviderRow[] = providers.map((p) => ({ id: p.id, name: nameOf(p), bound: p.bind }));
  const own: ProviderRow[] = (user.providers ?? [])
    .filter((p) => !listed.some((l) => l.id === p.id))
    .map((p) => ({ id: p.id, name: nameOf(p), bound: true }));
  const created = formatDate(user.created_at, locale);
  return {
    name: user.name ?? '',
    username: user.username ?? '',
    email: user.email ?? '',
    phone: user.phone_number ?? '',
    ...(created ? { created } : {}),
    providers: [...own, ...listed],
    hasPassword: typeof user.has_password === 'boolean' ? user.has_password : undefined,
  };
}
