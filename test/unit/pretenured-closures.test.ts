import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { filesUnder } from '../support/files-under.js';

// V8's parser marks a function literal assigned straight to a property (`res.end = function end() {…}`) to be allocated
// in the old generation. Made per request by code running unoptimised (after a deoptimisation, which a gateway serving
// many clients and routes meets all the time), such a closure keeps its request alive through every young-generation
// collection until a full one (bench/README.md, "Round 2, seventh pass"). The gateway's own code is kept free of them by
// `npm run lint`; the packages a request runs through are patched (patches/, applied by `npm ci`) and checked here.

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** The packages whose code runs for every sign-in, session read or proxied call. */
const REQUEST_PATH = [
  'express', 'router', 'body-parser', 'raw-body', 'on-headers', 'on-finished', 'express-session', 'connect-redis',
  'got', 'ioredis', 'cookie', 'cookie-signature', 'type-is', 'content-type', 'proxy-addr', 'helmet',
  'p-cancelable', 'denque', 'redis-parser', 'standard-as-callback', 'pino', 'pino-std-serializers',
  'sonic-boom', 'prom-client', 'rate-limiter-flexible',
];

/** Sites that run once per app, instance or connection, not per request (file: left-hand side). */
const ONCE: Record<string, string> = {
  'express/lib/application.js: app[method]': 'the app’s route methods, made at start-up',
  'on-finished/index.js: res.assignSocket': 'only a pipelined response that has no socket yet',
  'got/dist/source/create.js: got.extend': 'a got instance’s methods, made with the instance',
  'got/dist/source/create.js: got.paginate.all': 'idem',
  'got/dist/source/create.js: got.stream': 'idem',
  'got/dist/source/create.js: got[method]': 'idem',
  'got/dist/source/create.js: got.stream[method]': 'idem',
  'ioredis/built/cluster/ClusterSubscriber.js: this.onSubscriberEnd': 'per cluster subscriber',
  'ioredis/built/cluster/ClusterSubscriberGroup.js: this.handleSubscriberConnectFailed': 'per cluster subscriber group',
  'ioredis/built/cluster/ClusterSubscriberGroup.js: this.handleSubscriberConnectSucceeded': 'idem',
  'ioredis/built/cluster/ShardedSubscriber.js: this.onEnd': 'per sharded subscriber',
  'ioredis/built/cluster/ShardedSubscriber.js: this.onError': 'idem',
  'ioredis/built/cluster/ShardedSubscriber.js: this.onMoved': 'idem',
  'ioredis/built/redis/event_handler.js: self.sendCommand': 'once per connection, when it is ready',
  'pino/lib/redaction.js: o[k]': 'redaction set-up, at start-up',
  'sonic-boom/index.js: this.release': 'per log destination',
  'prom-client/lib/metrics/heapSpacesSizeAndUsed.js: gauges.total.collect': 'metric registration, at start-up',
};

/** A package's JavaScript, without its own dependencies, tests, examples and browser build. */
const NOT_RUN = new Set(['node_modules', 'test', 'tests', 'benchmarks', 'example', 'examples']);
const jsFiles = (dir: string): string[] =>
  filesUnder(dir, (name) => /\.(c|m)?js$/.test(name) && name !== 'browser.js', (name) => !NOT_RUN.has(name));

const unwrap = (e: ts.Expression): ts.Expression => (ts.isParenthesizedExpression(e) ? unwrap(e.expression) : e);

/** `file: left-hand side` of each function literal assigned to a property inside a function. */
function pretenuredSites(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const sites: string[] = [];
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (
      inFunction &&
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      (ts.isPropertyAccessExpression(node.left) || ts.isElementAccessExpression(node.left)) &&
      !/\.prototype\b/.test(node.left.getText(source))
    ) {
      const right = unwrap(node.right);
      if (ts.isFunctionExpression(right) || ts.isArrowFunction(right)) {
        sites.push(`${relative(join(root, 'node_modules'), file)}: ${node.left.getText(source)}`);
      }
    }
    ts.forEachChild(node, (child) => visit(child, inFunction || ts.isFunctionLike(node)));
  };
  visit(source, false);
  return sites;
}

describe('closures V8 would allocate in the old generation on the request path', () => {
  it('none in the packages a request runs through, but those made once (the patches are applied)', () => {
    const sites = REQUEST_PATH.flatMap((name) => jsFiles(join(root, 'node_modules', name)).flatMap(pretenuredSites));
    expect(sites.filter((site) => !(site in ONCE))).toEqual([]);
    // the patched ones are still there, as comma expressions: a package update that drops the patch fails above
    expect(readFileSync(join(root, 'node_modules/express-session/index.js'), 'utf8')).toContain('res.end = (0, function end(');
  });

  it('are patched in the image too: the Dockerfile copies the patches before npm ci applies them', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const copied = dockerfile.indexOf('COPY patches ./patches');
    expect(copied).toBeGreaterThan(-1);
    expect(copied).toBeLessThan(dockerfile.indexOf('RUN npm ci'));
    expect(readFileSync(join(root, '.dockerignore'), 'utf8')).not.toMatch(/^patches\b/m);
    expect((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.postinstall).toBe('patch-package');
  });

  it("keeps express-session's requests young when its middleware runs unoptimised", async () => {
    const { stdout } = await run(
      process.execPath,
      ['--no-opt', '--trace-gc-nvp', '--min-semi-space-size=8', 'test/support/session-closure-probe.mjs'],
      { cwd: root, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const [, window = ''] = stdout.split('PROBE-START');
    const [gcLines = '', end = ''] = window.split('PROBE-END');
    const requests = Number(end.trim());
    const scavenges = [...gcLines.matchAll(/gc=s\b/g)].length;
    const promoted = [...gcLines.matchAll(/promoted=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(requests).toBe(20_000);
    expect(scavenges).toBeGreaterThan(3);
    // unpatched: ~2,100 B per request (each request's payload); patched: ~30 B
    expect(promoted / requests).toBeLessThan(256);
  });
});
