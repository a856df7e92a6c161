import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startFlags } from '../support/start-flags.js';
import { MIN_SEMI_SPACE_MIB, NO_PRETENURING, START_COMMAND, pretenuringOff, semiSpaceFloorMiB, youngGenerationAdvice } from '../../src/young-generation.js';

/** `npm start` and the image start the gateway alike, with the young generation src/young-generation.ts checks for. */
const execArgvOf = (flags: string[]) =>
  JSON.parse(execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'], { encoding: 'utf8' })) as string[];

describe("the gateway's node flags", () => {
  it('are the same in npm start and in the image', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...startFlags(), 'dist/main.js']);
  });

  it('set the young generation floor and pretenuring off, as the start-up check asks and node sees them', () => {
    const argv = execArgvOf(startFlags());
    expect(semiSpaceFloorMiB(argv)).toBe(MIN_SEMI_SPACE_MIB);
    expect(pretenuringOff(argv)).toBe(true);
    expect(youngGenerationAdvice(argv)).toBeUndefined();
    expect(`node ${startFlags().join(' ')} dist/main.js`).toBe(START_COMMAND);
    const bare = execArgvOf([]);
    expect(semiSpaceFloorMiB(bare)).toBe(0);
    expect(pretenuringOff(bare)).toBe(false);
    expect(youngGenerationAdvice(bare)).toContain(`started without node --min-semi-space-size=${MIN_SEMI_SPACE_MIB} ${NO_PRETENURING}:`);
    expect(youngGenerationAdvice(bare)).toContain(START_COMMAND);
  });

  it('are flags this node accepts: a V8 flag it did not know would stop the gateway from starting', () => {
    expect(execFileSync(process.execPath, [...startFlags(), '-e', 'process.stdout.write("started")'], { encoding: 'utf8' })).toBe('started');
    expect(() => execFileSync(process.execPath, ['--no-such-v8-flag-here', '-e', '0'], { stdio: 'pipe' })).toThrow();
  });

  it('name only the flag that is missing, pretenuring switched back on counting as missing', () => {
    expect(youngGenerationAdvice([`--min-semi-space-size=${MIN_SEMI_SPACE_MIB}`])).toContain(`started without node ${NO_PRETENURING}:`);
    expect(youngGenerationAdvice([NO_PRETENURING])).toContain(`started without node --min-semi-space-size=${MIN_SEMI_SPACE_MIB}:`);
    expect(youngGenerationAdvice([`--min-semi-space-size=${MIN_SEMI_SPACE_MIB}`, '--no_allocation_site_pretenuring'])).toBeUndefined();
    expect(pretenuringOff([NO_PRETENURING, '--allocation-site-pretenuring'])).toBe(false);
    expect(pretenuringOff(['--allocation-site-pretenuring', NO_PRETENURING])).toBe(true);
  });

  it('count only a floor large enough, the last one given winning as in V8', () => {
    expect(youngGenerationAdvice(['--min-semi-space-size=4', NO_PRETENURING])).toBeDefined();
    expect(youngGenerationAdvice(['--min_semi_space_size=16', NO_PRETENURING])).toBeUndefined();
    expect(youngGenerationAdvice(['--min-semi-space-size=16', '--min-semi-space-size=2', NO_PRETENURING])).toBeDefined();
    expect(youngGenerationAdvice(['--max-semi-space-size=16', NO_PRETENURING])).toBeDefined();
  });
});
