// Run as `node --no-opt --trace-gc-nvp --min-semi-space-size=8 test/support/session-closure-probe.mjs`: calls
// express-session's middleware the way the gateway does for a caller without a session, with each request holding
// a payload, then prints how many bytes V8's young-generation collections promoted per request (from its own GC trace
// on stdout). V8's parser marks a function literal assigned straight to a property (express-session's
// `res.end = function end…` as published) to be allocated in the old generation; made by unoptimised code (`--no-opt`
// here; after a deoptimisation in the gateway), such a closure keeps the request it closes over alive through every
// scavenge until a full collection. patches/express-session+*.patch assigns it through a comma expression instead.
import session from 'express-session';

const N = 20_000;
const mw = session({ secret: 's'.repeat(32), resave: false, saveUninitialized: false, store: new session.MemoryStore() });
globalThis.gc?.();
process.stdout.write('PROBE-START\n');
for (let i = 0; i < N; i++) {
  const req = { headers: {}, url: '/probe', originalUrl: '/probe', method: 'GET', socket: {}, payload: new Array(64).fill(i) };
  const res = { writeHead() {}, end() {}, write() {}, getHeader() {}, setHeader() {}, _header: null };
  mw(req, res, () => res.end('ok'));
}
process.stdout.write(`PROBE-END ${N}\n`);
