// Run as `node --allow-natives-syntax test/support/record-maps-probe.mjs` (after the build): takes the secrets out of
// several sessions as a session write does and prints whether every copy (the session's and its `auth` holder's) has
// fast properties and shares one V8 map with the others. A spread copy trimmed with `delete` is a dictionary-mode
// object; a property added to a spread copy gets a map of its own, a new one per write. Plain JavaScript: jest runs it
// as a child process, with a V8 flag jest's process lacks.
import { takeSecrets } from '../../dist/session/sealed-session.js';
import { sameMap, fast } from './v8-natives.mjs';

const omit = new Set(['created', 'seen', 'user']);
const copies = [];
for (let i = 0; i < 6; i++) {
  const session = {
    cookie: { path: '/', httpOnly: true },
    created: i,
    seen: i + 1,
    did: `device-${i}`,
    csrf: `csrf-${i}`,
    auth: { at: `access-${i}`, rt: `refresh-${i}`, exp: 100 + i, sub: `u${i}` },
    user: { sub: `u${i}` },
    ua: 'probe',
  };
  copies.push(takeSecrets(session, omit).rest);
}
const all = (f) => copies.every((c) => f(c) && f(c.auth));
process.stdout.write(
  `${JSON.stringify({ copies: copies.length, fast: all(fast), shared: copies.every((c) => sameMap(c, copies[0]) && sameMap(c.auth, copies[0].auth)) })}\n`,
);
