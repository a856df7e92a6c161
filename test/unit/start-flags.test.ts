import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startFlags } from '../support/start-flags.js';
import { MIN_SEMI_SPACE_MIB, semiSpaceFloorMiB, youngGenerationAdvice } from '../../src/young-generation.js';

/** `npm start` and the image start the gateway alike, with the young generation src/young-generation.ts checks for. */
const execArgvOf = (flags: string[]) =>
  JSON.parse(execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'], { encoding: 'utf8' })) as string[];

describe("the gateway's node flags", () => {
  it('are the same in npm start and in the image', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...startFlags(), 'dist/main.js']);
  });

  it('set the young generation floor the start-up check asks for, as node sees it', () => {
    const argv = execArgvOf(startFlags());
    expect(semiSpaceFloorMiB(argv)).toBe(MIN_SEMI_SPACE_MIB);
    expect(youngGenerationAdvice(argv)).toBeUndefined();
    const bare = execArgvOf([]);
    expect(semiSpaceFloorMiB(bare)).toBe(0);
    expect(youngGenerationAdvice(bare)).toContain(`node --min-semi-space-size=${MIN_SEMI_SPACE_MIB} dist/main.js`);
  });

  it('count only a floor large enough, the last one given winning as in V8', () => {
    expect(youngGenerationAdvice(['--min-semi-space-size=4'])).toBeDefined();
    expect(youngGenerationAdvice(['--min_semi_space_size=16'])).toBeUndefined();
    expect(youngGenerationAdvice(['--min-semi-space-size=16', '--min-semi-space-size=2'])).toBeDefined();
    expect(youngGenerationAdvice(['--max-semi-space-size=16'])).toBeDefined();
  });
});
