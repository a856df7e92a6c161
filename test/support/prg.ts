import { CATALOGUE, type ErrorCode } from '../../src/errors/catalogue.js';
import { submitForm, type TestGateway } from './gateway.js';

type Agent = ReturnType<TestGateway['agent']>;
type Answer = Awaited<ReturnType<typeof submitForm>>;

/** A failed form post as a browser meets it: the 303, then the page it leads to, which shows the failure once. */
export interface ShownFailure {
  /** the 303 (Retry-After and Set-Cookie are here) */
  post: Answer;
  /** the form's page the post redirected to (a 200) */
  page: Answer;
  /** where the failure sent the browser */
  location: string;
  /** the page's text (the error summary, the fields as typed) */
  text: string;
  /** the error code the page shows (`data-error-code`), undefined when it shows none */
  errorCode: ErrorCode | undefined;
  /** the HTTP status that code answers with where it is answered directly (the JSON API): 400, 401, 429… */
  errorStatus: number | undefined;
}

/** The error code a page shows in its error summary. */
export function shownErrorCode(html: string): ErrorCode | undefined {
  return /data-error-code="([a-z_]+)"/.exec(html)?.[1] as ErrorCode | undefined;
}

/**
 * Posts a form that must fail: asserts the post answers 303 (post/redirect/get) and fetches the page it redirects
 * to like a browser would.
 */
export async function failedPost(agent: Agent, pagePath: string, action: string, fields: Record<string, string>): Promise<ShownFailure> {
  return followFailure(agent, await submitForm(agent, pagePath, action, fields));
}

/** The same for a post the test sent itself. */
export async function followFailure(agent: Agent, post: Answer): Promise<ShownFailure> {
  if (post.status !== 303) throw new Error(`a failed form post answered ${post.status}, not 303: ${post.text.slice(0, 300)}`);
  const location = String(post.headers.location);
  const page = await agent.get(location);
  if (page.status !== 200) throw new Error(`the page a failed post led to (${location}) answered ${page.status}`);
  const errorCode = shownErrorCode(page.text);
  return { post, page, location, text: page.text, errorCode, errorStatus: errorCode ? CATALOGUE[errorCode].status : undefined };
}

/** The abuse limiters' counters of `kind` (e.g. "login"), key → value, to show a request moved none of them. */
export async function limitCounters(gw: TestGateway, kind: string): Promise<Record<string, string | null>> {
  const keys = (await gw.redis.keys(`*rl:${kind}*`)).sort();
  if (keys.length === 0) return {};
  const values = await gw.redis.mget(...keys);
  return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? null]));
}
