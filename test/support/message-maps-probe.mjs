// Run as `node --allow-natives-syntax test/support/message-maps-probe.mjs born|plain` (after the build): serves JSON
// sign-in-like requests through Express (body parser, express-session, a cookie, res.json) on the gateway's server
// (`born`: requests and responses made with the app's prototypes) or on a plain node server (`plain`: Express swaps
// their prototypes), then prints whether the last requests, and the last responses, share one V8 map.
// Plain JavaScript: jest runs it as a child process, with a V8 flag the tests' own process does not have.
import { Agent, createServer, request } from 'node:http';
import express from 'express';
import session from 'express-session';
import { drainAwareServer } from '../../dist/http/drain-aware-server.js';
import { sameMap } from './v8-natives.mjs';

const mode = process.argv[2];
const COUNT = 30;
const COMPARED = 8;

const app = express();
const served = [];
app.use(express.json());
app.use(session({ secret: 'probe', resave: false, saveUninitialized: false, name: 'sid' }));
app.post('/in', (req, res) => {
  req.session.who = req.body.who;
  res.once('finish', () => served.push([req, res]));
  res.cookie('seen', '1', { httpOnly: true }).json({ who: req.body.who });
});
const server = mode === 'born' ? drainAwareServer(app, () => false) : createServer(app);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const agent = new Agent({ keepAlive: true, maxSockets: 2 });
for (let i = 0; i < COUNT; i++) {
  await new Promise((resolve, reject) => {
    const body = JSON.stringify({ who: `user${i}` });
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/in', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}
await new Promise((resolve) => setTimeout(resolve, 50));
const last = served.slice(-COMPARED);
const shared = (k) => last.every(([...pair]) => sameMap(pair[k], last[0][k]));
process.stdout.write(`${JSON.stringify({ served: served.length, requests: shared(0), responses: shared(1) })}\n`);
agent.destroy();
server.close();
