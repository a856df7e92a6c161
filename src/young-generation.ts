/**
 * The node flags `npm start` and the image give the gateway: `node --min-semi-space-size=8
 * --no-allocation-site-pretenuring`, both about young objects (a request's) dying young.
 *
 * The young generation's floor, `--min-semi-space-size=8` (MiB per semi-space).
 * Node's young generation grows and shrinks with how many objects survive a scavenge; between bursts it shrinks back
 * toward 1 MiB, and a gateway under load keeps each request's objects alive for the few milliseconds it waits on Redis
 * or a backend, so in a small young generation they outlive the frequent scavenges, are copied and promoted, and the
 * old generation collects what should have died young (bench/README.md: about a third more CPU per proxied call, from
 * one process start to the next). The floor cannot be set from NODE_OPTIONS or at run time: hence the command line,
 * and this check of it.
 */
export const MIN_SEMI_SPACE_MIB = 8;

/**
 * V8's allocation-site pretenuring: where objects from one allocation site often survive a scavenge, V8 allocates that
 * site's later objects straight in the old generation. The gateway's paths share allocation sites (node's HTTP
 * request and response, the request id, the answer's head): the session read's requests, waiting on Redis while a
 * scavenge runs, had sites tenured that the proxy then used, so each proxied call's first objects were born old and
 * kept the rest of the call alive until a full collection (a proxied call at 74 us of CPU after session reads, 41-54 us
 * with pretenuring off; bench/README.md, "Round 2, fifth pass"). A request's objects die young: the gateway gains
 * nothing from it.
 */
export const NO_PRETENURING = '--no-allocation-site-pretenuring';

const FLAG = /^--min[-_]semi[-_]space[-_]size=(\d+)$/;
const PRETENURING = /^--(no[-_])?allocation[-_]site[-_]pretenuring$/;

/** The last of the arguments a flag's pattern matches: V8 takes the last one given. */
function lastGiven(execArgv: readonly string[], flag: RegExp): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  for (const arg of execArgv) last = flag.exec(arg) ?? last;
  return last;
}

/** The floor this process was started with (MiB), 0 when none was given. */
export function semiSpaceFloorMiB(execArgv: readonly string[] = process.execArgv): number {
  const m = lastGiven(execArgv, FLAG);
  return m ? Number(m[1]) : 0;
}

/** Whether this process was started with allocation-site pretenuring off. */
export function pretenuringOff(execArgv: readonly string[] = process.execArgv): boolean {
  return lastGiven(execArgv, PRETENURING)?.[1] !== undefined;
}

/** The command the gateway is meant to run as. */
export const START_COMMAND = `node --min-semi-space-size=${MIN_SEMI_SPACE_MIB} ${NO_PRETENURING} dist/main.js`;

/** What to tell an operator who started the gateway without these flags; undefined when both were given. */
export function youngGenerationAdvice(execArgv: readonly string[] = process.execArgv): string | undefined {
  const missing = [
    ...(semiSpaceFloorMiB(execArgv) >= MIN_SEMI_SPACE_MIB ? [] : [`--min-semi-space-size=${MIN_SEMI_SPACE_MIB}`]),
    ...(pretenuringOff(execArgv) ? [] : [NO_PRETENURING]),
  ];
  if (missing.length === 0) return undefined;
  return `started without node ${missing.join(' ')}: run it as \`${START_COMMAND}\` (npm start and the image do), or short-lived request objects are promoted and collected at a higher CPU cost (README, "Process flags")`;
}
