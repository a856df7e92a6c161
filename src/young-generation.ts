/**
 * The young generation `npm start` and the image give the gateway: `node --min-semi-space-size=8` (MiB per semi-space).
 * Node's young generation grows and shrinks with how many objects survive a scavenge; between bursts it shrinks back
 * toward 1 MiB, and a gateway under load keeps each request's objects alive for the few milliseconds it waits on Redis
 * or a backend, so in a small young generation they outlive the frequent scavenges, are copied and promoted, and the
 * old generation collects what should have died young (bench/README.md: about a third more CPU per proxied call, from
 * one process start to the next). The floor cannot be set from NODE_OPTIONS or at run time: hence the command line,
 * and this check of it.
 */
export const MIN_SEMI_SPACE_MIB = 8;

const FLAG = /^--min[-_]semi[-_]space[-_]size=(\d+)$/;

/** The floor this process was started with (MiB), 0 when none was given. */
export function semiSpaceFloorMiB(execArgv: readonly string[] = process.execArgv): number {
  let mib = 0;
  for (const arg of execArgv) {
    const m = FLAG.exec(arg);
    if (m) mib = Number(m[1]);
  }
  return mib;
}

/** What to tell an operator who started the gateway without the floor; undefined when it was given. */
export function youngGenerationAdvice(execArgv: readonly string[] = process.execArgv): string | undefined {
  if (semiSpaceFloorMiB(execArgv) >= MIN_SEMI_SPACE_MIB) return undefined;
  return `started without node --min-semi-space-size=${MIN_SEMI_SPACE_MIB}: run it as \`node --min-semi-space-size=${MIN_SEMI_SPACE_MIB} dist/main.js\` (npm start and the image do), or short-lived request objects are promoted and collected at a higher CPU cost (README, "Process flags")`;
}
