/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) into self and inclusive time per function and self time
 * per package. Pure: the profile in, plain numbers out.
 */

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Cost {
  name: string;
  ms: number;
  /** share of busy time (everything but idle), percent */
  pct: number;
}

export interface ProfileSummary {
  sampledMs: number;
  busyMs: number;
  idleMs: number;
  gcPct: number;
  /** by self time */
  self: Cost[];
  /** by inclusive time (recursion counted once) */
  inclusive: Cost[];
  /** self time by package: an npm package, node's own code, the app's files, V8 */
  packages: Cost[];
  /**
   * self time by owner: each sample goes to the nearest frame on its stack that belongs to a specific package (or
   * group of packages), so the Node and V8 work a library causes (hashing, socket writes, JSON) counts as that library's
   */
  owners: Cost[];
}

export interface OwnerOptions {
  /** package → the name reported for it (e.g. pino, pino-http, @pinojs/redact → "logging: pino-http") */
  groups?: Record<string, string>;
  /** packages that only pass work along (node's own code, express, router): skipped when looking for an owner */
  generic?: (pkg: string) => boolean;
  /** names a sample's owner outright from its stack (leaf first), before the nearest-package rule; undefined to pass */
  classify?: (stack: CallFrame[]) => string | undefined;
}

const defaultGeneric = (pkg: string) =>
  pkg === 'node (internal)' || pkg.startsWith('node:') || pkg === '(native / V8 builtins)' || pkg === 'express' || pkg === 'router';

const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** `file:///…/node_modules/express-session/index.js` → `express-session/index.js`; app files relative to the root. */
export function shortUrl(url: string, root = ''): string {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  if (root && u.startsWith(root)) u = u.slice(root.length);
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + '/node_modules/'.length);
  return u.replace(/^\/+/, '');
}

/** Which package a frame belongs to (the unit that recommendations talk about). */
export function packageOf(frame: CallFrame, root = ''): string {
  if (SPECIAL.has(frame.functionName) && !frame.url) return frame.functionName;
  if (!frame.url) return '(native / V8 builtins)';
  if (frame.url.startsWith('node:')) return frame.url.startsWith('node:internal/') ? 'node (internal)' : frame.url;
  const nm = frame.url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = frame.url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const file = shortUrl(frame.url, root);
  return `app: ${file}`;
}

export function frameName(frame: CallFrame, root = ''): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  return `${fn} ${shortUrl(frame.url, root)}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, busyUs: number, n: number): Cost[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0 }));
}

export function summarizeProfile(profile: CpuProfile, opts: { root?: string; top?: number } & OwnerOptions = {}): ProfileSummary {
  const root = opts.root ?? '';
  const n = opts.top ?? 30;
  const groups = opts.groups ?? {};
  const generic = opts.generic ?? defaultGeneric;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const group = (frame: CallFrame) => {
    const pkg = packageOf(frame, root);
    return groups[pkg] ?? pkg;
  };
  const ownerOf = (id: number): string => {
    if (opts.classify) {
      const stack: CallFrame[] = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) stack.push(byId.get(cur)!.callFrame);
      const named = opts.classify(stack);
      if (named !== undefined) return named;
    }
    let fallback: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      const pkg = packageOf(frame, root);
      if (SPECIAL.has(frame.functionName) && !frame.url) return fallback ?? frame.functionName;
      if (!generic(pkg)) return group(frame);
      if (fallback === undefined && frame.url) fallback = group(frame);
    }
    return fallback ?? 'unknown';
  };
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }

  let sampledUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  const selfByFn = new Map<string, number>();
  const selfByPkg = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    sampledUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (frame.functionName === '(garbage collector)') gcUs += us;
    const key = frameName(frame, root);
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
    const pkg = packageOf(frame, root);
    selfByPkg.set(pkg, (selfByPkg.get(pkg) ?? 0) + us);
    const owner = ownerOf(id);
    selfByOwner.set(owner, (selfByOwner.get(owner) ?? 0) + us);
  }
  const busyUs = sampledUs - idleUs;

  // Inclusive time: each node's subtree, credited to its function unless an ancestor is the same function.
  const totalUs = new Map<number, number>();
  const subtree = (id: number): number => {
    const cached = totalUs.get(id);
    if (cached !== undefined) return cached;
    let t = selfUs.get(id) ?? 0;
    for (const child of byId.get(id)?.children ?? []) t += subtree(child);
    totalUs.set(id, t);
    return t;
  };
  const inclusive = new Map<string, number>();
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const active = new Map<string, number>();
  const walk = (id: number) => {
    const node = byId.get(id)!;
    const key = frameName(node.callFrame, root);
    const special = SPECIAL.has(node.callFrame.functionName);
    const depth = active.get(key) ?? 0;
    if (!special && depth === 0) inclusive.set(key, (inclusive.get(key) ?? 0) + subtree(id));
    active.set(key, depth + 1);
    for (const child of node.children ?? []) walk(child);
    active.set(key, depth);
  };
  for (const node of profile.nodes) if (!childIds.has(node.id)) walk(node.id);

  return {
    sampledMs: Math.round(sampledUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    gcPct: busyUs > 0 ? Math.round((gcUs / busyUs) * 1000) / 10 : 0,
    self: top(selfByFn, busyUs, n),
    inclusive: top(inclusive, busyUs, n),
    packages: top(selfByPkg, busyUs, n),
    owners: top(selfByOwner, busyUs, n),
  };
}

/** A plain-text report of a summary. */
export function formatProfile(s: ProfileSummary): string {
  const section = (title: string, rows: Cost[]) =>
    [title, ...rows.map((r) => `${r.pct.toFixed(1).padStart(6)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`)].join('\n');
  return [
    `sampled ${s.sampledMs} ms, busy ${s.busyMs} ms, idle ${s.idleMs} ms, GC ${s.gcPct}% of busy`,
    '',
    section('self time by owner: the nearest specific package on the stack (% of busy)', s.owners),
    '',
    section('self time by package (% of busy)', s.packages),
    '',
    section('self time by function (% of busy)', s.self),
    '',
    section('inclusive time by function (% of busy)', s.inclusive),
  ].join('\n');
}
