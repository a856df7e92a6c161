// The layering of src/, checked by `npm run lint` (dependency-cruiser), and no import cycles anywhere in src/.
//
//   routes/, proxy/, metrics/   (edges: HTTP in and out; http/ is their request/response plumbing)
//        ↓
//   services/, flows/, limits/  (what a sign-in or an account change does)
//        ↓
//   session/                    (session state)
//        ↓
//   errors/                     (the error catalogue and AppError; maps CloudBase's errors, so it sits above cloudbase/)
//        ↓
//   cloudbase/  →  wire/        (the CloudBase Auth client; the wire types it shares with the emulator)
//        ↓
//   config/                      (and the leaf helpers logger.ts, phone.ts, dev-console.ts, i18n/: they import only config/)
//
// emulator/ imports nothing else from src/ but wire/ (types only); compose.ts (the composition root), app.ts, gateway.ts and main.ts compose everything and may import anything.
// Each layer lists what it MAY import; anything else under src/ is an error.

const LEAVES = ['^src/config/', '^src/(logger|phone|dev-console|cookie-header)\\.ts$', '^src/i18n/'];
const WIRE = ['^src/wire/'];
const CLOUDBASE = ['^src/cloudbase/', ...WIRE, ...LEAVES];
const ERRORS = ['^src/errors/', ...CLOUDBASE];
const SESSION = ['^src/session/', ...ERRORS];
const SERVICES = ['^src/services/', '^src/flows/', '^src/limits/', ...SESSION];
const HTTP = ['^src/http/', ...ERRORS];
const EDGES = ['^src/routes/', '^src/proxy/', '^src/metrics/', ...HTTP, ...SERVICES];

const LAYERS = [
  { name: 'config-is-the-base', from: '^src/config/', allowed: ['^src/config/'] },
  { name: 'leaves-import-nothing', from: '^src/(logger|phone|dev-console|cookie-header)\\.ts$|^src/i18n/', allowed: LEAVES },
  { name: 'wire-is-types-only', from: '^src/wire/', allowed: WIRE },
  { name: 'emulator-stands-alone', from: '^src/emulator/', allowed: ['^src/emulator/', ...WIRE] },
  { name: 'cloudbase-only-config', from: '^src/cloudbase/', allowed: CLOUDBASE },
  { name: 'errors-below-session', from: '^src/errors/', allowed: ERRORS },
  { name: 'session-below-services', from: '^src/session/', allowed: SESSION },
  { name: 'services-below-edges', from: '^src/(services|flows|limits)/', allowed: SERVICES },
  { name: 'http-is-plumbing', from: '^src/http/', allowed: HTTP },
  { name: 'proxy-is-no-route', from: '^src/proxy/', allowed: ['^src/proxy/', ...HTTP, ...SERVICES] },
  { name: 'edges-below-the-root', from: '^src/(routes|metrics)/', allowed: EDGES },
  { name: 'api-routes-not-browser', from: '^src/routes/api/', allowed: EDGES.filter((p) => p !== '^src/routes/').concat('^src/routes/(?!browser/)') },
  { name: 'browser-routes-not-api', from: '^src/routes/browser/', allowed: EDGES.filter((p) => p !== '^src/routes/').concat('^src/routes/(?!api/)') },
];

/**
 * TEMPORARY: the upward imports left in session/, which the session-root work removes. Each entry
 * lets one file import one target against its layer's rule. Delete an entry once its import is gone: `npm run lint`
 * then keeps it gone. Do not add entries for new code.
 */
const TEMPORARY_EXCEPTIONS = [
  // (none left: session/ no longer reaches up, and its auth-session ↔ directory cycle is gone)
];

// An entry whose file is gone is stale: say so, so it gets deleted (the merge that removed the file forgot it).
for (const e of TEMPORARY_EXCEPTIONS) {
  if (!require('node:fs').existsSync(e.from)) process.stderr.write(`.dependency-cruiser.cjs: stale TEMPORARY_EXCEPTIONS entry, ${e.from} is gone\n`);
}

const exactly = (file) => `^${file.replace(/\./g, '\\.')}$`;

function layerRules() {
  const rules = [];
  for (const layer of LAYERS) {
    const excepted = TEMPORARY_EXCEPTIONS.filter((e) => !e.cycle && new RegExp(layer.from).test(e.from));
    const files = [...new Set(excepted.map((e) => e.from))];
    rules.push({
      name: layer.name,
      severity: 'error',
      from: { path: layer.from, pathNot: files.map(exactly) },
      to: { path: '^src/', pathNot: layer.allowed },
    });
    for (const file of files) {
      rules.push({
        name: `${layer.name} (temporary exception: ${file})`,
        severity: 'error',
        from: { path: exactly(file) },
        to: { path: '^src/', pathNot: [...layer.allowed, ...excepted.filter((e) => e.from === file).map((e) => exactly(e.to))] },
      });
    }
  }
  return rules;
}

function cycleRules() {
  const cycles = TEMPORARY_EXCEPTIONS.filter((e) => e.cycle);
  const comment = 'An import cycle makes load order matter and hides which module owns what.';
  return [
    { name: 'no-circular', severity: 'error', comment, from: { pathNot: cycles.map((e) => exactly(e.from)) }, to: { circular: true } },
    ...cycles.map((e) => ({
      name: `no-circular (temporary exception: ${e.from})`,
      severity: 'error',
      comment,
      from: { path: exactly(e.from) },
      to: { circular: true, pathNot: exactly(e.to) },
    })),
  ];
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...cycleRules(),
    ...layerRules(),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
