import type { Request } from 'express';
import { en, zhCN, type MessageKey } from './messages.js';
import { readCookie } from '../cookie-header.js';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
export const LANG_COOKIE = 'lang';

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const catalog = catalogs[locale];
  return (key, params) => {
    const text = catalog[key] ?? en[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}

function fromTag(tag: string | undefined): Locale | undefined {
  if (!tag) return undefined;
  const t = tag.trim().toLowerCase();
  if (t === 'en' || t.startsWith('en-')) return 'en';
  if (t === 'zh' || t === 'zh-cn' || t === 'zh-hans' || t.startsWith('zh-hans') || t === 'zh-sg') return 'zh-CN';
  return undefined;
}

/** `?lang=` first, then the language cookie the switcher sets, then Accept-Language; then `fallback` (pages: Chinese). */
export function pickLocale(req: Request, fallback: Locale = 'zh-CN'): Locale {
  const q = typeof req.query.lang === 'string' ? fromTag(req.query.lang) : undefined;
  if (q) return q;
  const c = fromTag(readCookie(req.headers.cookie, LANG_COOKIE));
  if (c) return c;
  const header = req.headers['accept-language'];
  if (typeof header === 'string') {
    const ranked = header
      .split(',')
      .map((part) => {
        const [tag, ...params] = part.split(';');
        const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
        return { tag, q: q ? Number(q.slice(2)) || 0 : 1 };
      })
      .sort((a, b) => b.q - a.q);
    for (const { tag, q } of ranked) {
      const l = q > 0 ? fromTag(tag) : undefined;
      if (l) return l;
    }
  }
  return fallback;
}

/** The value of ?lang= when it names a supported locale (so the switcher can remember it). */
export function requestedLocale(req: Request): Locale | undefined {
  return typeof req.query.lang === 'string' ? fromTag(req.query.lang) : undefined;
}


export type { MessageKey };
