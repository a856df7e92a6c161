import { submitForm, type TestGateway } from './gateway.js';

type Agent = ReturnType<TestGateway['agent']>;
type Answer = Awaited<ReturnType<typeof submitForm>>;

/**
 * A form post that fails the way a browser meets it: the post must answer 303 (post/redirect/get), and the page it
 * redirects to is fetched like a browser would. Returns both; `location` is where the failure sent the browser.
 */
export async function failedPost(agent: Agent, pagePath: string, action: string, fields: Record<string, string>): Promise<{ post: Answer; page: Answer; location: string }> {
  const post = await submitForm(agent, pagePath, action, fields);
  if (post.status !== 303) throw new Error(`a failed post to ${action} answered ${post.status}, not 303: ${post.text.slice(0, 300)}`);
  const location = String(post.headers.location);
  return { post, page: await agent.get(location), location };
}

/** The abuse limiters' counters of `kind` (e.g. "login"), key → value, to show a request moved none of them. */
export async function limitCounters(gw: TestGateway, kind: string): Promise<Record<string, string | null>> {
  const keys = (await gw.redis.keys(`*rl:${kind}*`)).sort();
  if (keys.length === 0) return {};
  const values = await gw.redis.mget(...keys);
  return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? null]));
}
