import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder } from '../support/files-under.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const sourceFiles = (dir: string): string[] => filesUnder(dir, (name) => name.endsWith('.ts'));

/** Every import of a file under `src/`, as a path relative to `src/` (packages as their name). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map(([, spec]) =>
    spec!.startsWith('.') ? relative(SRC, resolve(dirname(file), spec!)).replace(/\.js$/, '.ts') : spec!,
  );
}

const FILES = sourceFiles(SRC).map((f) => ({ path: relative(SRC, f), imports: importsOf(f) }));

/** Files under `from` that import something matching `forbidden`, as "file → import". */
function offenders(from: string, forbidden: (target: string) => boolean): string[] {
  return FILES.filter((f) => f.path.startsWith(from)).flatMap((f) => f.imports.filter(forbidden).map((i) => `${f.path} → ${i}`));
}

describe('imports of the flows and the error catalogue point one way', () => {
  it('finds the source files it checks', () => {
    expect(FILES.filter((f) => f.path.startsWith('flows/')).length).toBeGreaterThan(3);
  });

  it('when a flow step is written, it imports no request types and nothing from routes/ or http/', () => {
    expect(offenders('flows/', (i) => i === 'express' || i.startsWith('routes/') || i.startsWith('http/'))).toEqual([]);
  });

  it('when the JSON API needs a flow, it takes it from flows/, never from routes/browser/', () => {
    expect(offenders('routes/api/', (i) => i.startsWith('routes/browser/'))).toEqual([]);
  });

  it('when errors/ is imported from anywhere, it reaches no layer above it', () => {
    expect(offenders('errors/', (i) => /^(routes|flows|services|session|http|limits|proxy)\//.test(i))).toEqual([]);
  });

  it('when http/ plumbing runs, it needs no session, service, flow or route module', () => {
    expect(offenders('http/', (i) => /^(routes|flows|services|session)\//.test(i))).toEqual([]);
  });

  it('when the proxy forwards, it needs nothing from routes/', () => {
    expect(offenders('proxy/', (i) => i.startsWith('routes/'))).toEqual([]);
  });

  it('when a service fails upstream, it maps through errors/, not http/', () => {
    expect(offenders('services/', (i) => i.startsWith('http/') || i.startsWith('routes/'))).toEqual([]);
  });
});
