import { request as httpRequest } from 'node:http';
import { startTestGateway, csrfFrom, type TestGateway } from '../support/gateway.js';
import { dotSegmentPaths, staysOn } from '../support/hostile-paths.js';

/**
 * Redirects and links built from what the client sent must stay on the site however the path is spelled: `returnTo`
 * after sign-in, and the language link every page (the 404 page above all) builds from the request path.
 */
let gw: TestGateway;
let origin: string;

beforeAll(async () => {
  gw = await startTestGateway();
  const addr = gw.server.address() as { port: number };
  origin = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  gw.assertNoLeaks();
  await gw.close();
});

/** GET with the request line exactly as given (no client-side normalisation of dots or backslashes). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: Number(new URL(origin).port), path, method: 'GET', headers: { 'accept-language': 'en' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function langLink(html: string): string {
  const m = /<a href="([^"]*)"[^>]*class="lang"/.exec(html);
  if (!m) throw new Error('no language link on the page');
  return m[1]!.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');
}

// Every 7th payload plus the classic ones: each is a sign-in, and the whole product is covered by the unit test.
const ALL = dotSegmentPaths();
const SAMPLE = [...new Set([...ALL.filter((_p, i) => i % 7 === 0), '/.//evil.example', '/%2e%2e//evil.example', '/a/..//evil.example', '/..//evil.example/x'])];

describe('when returnTo resolves to another host after its dot segments', () => {
  it.each(SAMPLE)('signing in with returnTo %j lands on this site', async (returnTo) => {
    const agent = gw.agent();
    const token = await csrfFrom(agent, '/login');
    const res = await agent.post('/login/anonymous').type('form').send({ _csrf: token, returnTo });
    expect(res.status).toBe(303);
    const location = String(res.headers.location);
    expect(location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\')).toBe(true);
    expect(staysOn(origin, location)).toBe(true);
  });

  it('keeps an ordinary returnTo, dot segments resolved', async () => {
    const agent = gw.agent();
    const token = await csrfFrom(agent, '/login');
    const res = await agent.post('/login/anonymous').type('form').send({ _csrf: token, returnTo: '/account/./sessions/../sessions?x=1' });
    expect(res.headers.location).toBe('/account/sessions?x=1');
  });
});

describe('when a page is asked for at a path that reads as another host', () => {
  // Request lines may not hold spaces or control characters: those payloads cannot reach a page as its path.
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  const paths = ALL.filter((p) => p.startsWith('/') && !/[\s\u0000-\u001f\u007f]/.test(p) && !/[^\x21-\x7e]/.test(p));

  it('has a language link that stays on the site, on every one of them', async () => {
    expect(paths.length).toBeGreaterThan(800);
    const offSite: string[] = [];
    let checked = 0;
    for (const path of paths.filter((_p, i) => i % 3 === 0).concat(['//evil.example', '//evil.example/x', '/\\evil.example', '/.//evil.example'])) {
      const res = await rawGet(path);
      if (!res.body.includes('class="lang"')) continue;
      const href = langLink(res.body);
      checked++;
      if (!staysOn(origin, href) || href.startsWith('//') || !href.includes('?lang=zh-CN')) offSite.push(`${path} -> ${href}`);
    }
    expect(offSite).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });

  it('shows the 404 page for //evil.example with a link to this site in the other language', async () => {
    const res = await rawGet('//evil.example');
    expect(res.status).toBe(404);
    expect(langLink(res.body)).toBe('/?lang=zh-CN');
  });

  it('keeps an ordinary page in the link', async () => {
    expect(langLink((await rawGet('/login')).body)).toBe('/login?lang=zh-CN');
  });
});
