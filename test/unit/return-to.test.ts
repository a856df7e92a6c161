import { safeReturnTo } from '../../src/http/return-to.js';
import { dotSegmentPaths, staysOn } from '../support/hostile-paths.js';

const ORIGIN = 'https://app.example.com';

describe('when a returnTo comes from a request', () => {
  describe('when the path has dot segments, slashes or backslashes in any spelling', () => {
    const payloads = dotSegmentPaths();

    it('answers a same-origin path for every one of them', () => {
      expect(payloads.length).toBeGreaterThan(1500);
      const escaped = payloads.filter((p) => {
        const out = safeReturnTo(p);
        return !out.startsWith('/') || out.startsWith('//') || out.startsWith('/\\') || !staysOn(ORIGIN, out);
      });
      expect(escaped).toEqual([]);
    });

    it('answers the resolved path, so resolving it again changes nothing', () => {
      for (const p of payloads) {
        const out = safeReturnTo(p);
        const again = new URL(out, ORIGIN);
        expect(again.pathname + again.search + again.hash).toBe(out);
      }
    });
  });

  it.each([
    ['/.//evil.example', '/'],
    ['/%2e%2e//evil.example', '/'],
    ['/a/..//evil.example', '/'],
    ['/a/b/../c?x=1#y', '/a/c?x=1#y'],
    ['/account/./sessions', '/account/sessions'],
    ['/account?tab=1', '/account?tab=1'],
  ])('resolves %j to %j', (input, want) => {
    expect(safeReturnTo(input)).toBe(want);
  });
});
