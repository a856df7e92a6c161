// Run as `node --allow-natives-syntax test/support/flow-context-maps-probe.mjs` (after the build): makes the flow
// contexts of several requests, reads each one's `log` as a flow would, and prints whether they all have fast
// properties and share one V8 map. A getter in each context's own literal makes it a dictionary-mode object whose
// accessor pair V8 allocates in the old generation, reaching the request: what kept every sign-in alive through
// young-generation collections. Plain JavaScript: jest runs it as a child process, with a V8 flag jest's process lacks.
import { flowContext } from '../../dist/routes/flow-context.js';
import { sameMap, fast } from './v8-natives.mjs';

const contexts = [];
for (let i = 0; i < 6; i++) {
  const req = { id: `r${i}`, ip: '127.0.0.1', sessionID: `s${i}`, session: {}, log: { info() {}, warn() {} } };
  const c = flowContext(req, {}, () => 1_000 + i, i % 2 ? `answer${i}` : undefined);
  void c.log;
  c.call();
  contexts.push(c);
}
process.stdout.write(`${JSON.stringify({ contexts: contexts.length, fast: contexts.every((c) => fast(c)), shared: contexts.every((c) => sameMap(c, contexts[0])) })}\n`);
