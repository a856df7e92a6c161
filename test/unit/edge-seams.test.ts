import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder } from '../support/files-under.js';

/**
 * Seams kept by reading the sources: HTTP statuses are chosen only at the edge; clocks come from the composition
 * root; tests take the session cookie's name from src/config/cookies.ts.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const TEST = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const sourceFiles = (dir: string): string[] => filesUnder(dir, (name) => name.endsWith('.ts'));

const isComment = (line: string) => /^\s*(\/\/|\/?\*)/.test(line);

/** The one test that pins the public default name on purpose. */
const PINS_COOKIE_NAME = 'unit/config.test.ts';

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

describe('the session cookie name in the tests', () => {
  it('when a test needs the cookie name, it imports COOKIES instead of spelling it (one test pins it on purpose)', () => {
    const spelled = sourceFiles(TEST)
      .map((f) => [relative(TEST, f), readFileSync(f, 'utf8').split('\n')] as const)
      .filter(([path]) => path !== PINS_COOKIE_NAME && path !== relative(TEST, fileURLToPath(import.meta.url)))
      .flatMap(([path, lines]) => lines.flatMap((line, i) => (!isComment(line) && /['"`][^'"`]*cbg\.sid/.test(line) ? [`${path}:${i + 1}`] : [])));
    expect(spelled).toEqual([]);
    expect(readFileSync(join(TEST, PINS_COOKIE_NAME), 'utf8')).toContain("toBe('cbg.sid')");
  });
});
