import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Two seams kept by reading the sources: HTTP statuses are chosen only at the edge; clocks come from the root. */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The gateway's own sources (the emulator is a separate program with its own clock), as [path under src/, lines]. */
const FILES = sourceFiles(SRC)
  .map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n')] as const)
  .filter(([path]) => !path.startsWith('emulator/'));

function linesMatching(re: RegExp, except: string): string[] {
  return FILES.filter(([path]) => path !== except).flatMap(([path, lines]) =>
    lines.flatMap((line, i) => (re.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('where errors and clocks come from', () => {
  it('finds the source files it checks', () => {
    expect(FILES.length).toBeGreaterThan(50);
  });

  it('when an error needs an HTTP status, only the edge (http/errors.ts) looks it up in the catalogue', () => {
    expect(linesMatching(/CATALOGUE\[[^\]]*\]\.status\b/, 'http/errors.ts')).toEqual([]);
  });

  it('when code needs the time, it is handed the clock of the composition root: no Date.now fallback anywhere else', () => {
    expect(linesMatching(/(=|\?\?|\|\|)\s*Date\.now\b/, 'compose.ts')).toEqual([]);
  });
});
