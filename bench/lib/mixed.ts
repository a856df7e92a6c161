import { runLoad } from './load.js';
import { cpuTimeMs } from './procs.js';
import { signInShareUs, unexpectedIn, type MixedSignIn, type RoundSample } from './report.js';
import type { LoadScenario } from './scenarios.js';

export interface MixedOptions {
  read: LoadScenario;
  proxy: LoadScenario;
  login: LoadScenario;
  seconds: number;
  readsPerS: number;
  proxiedPerS: number;
}

/**
 * The sign-in's CPU on a process serving other traffic at the same moment (MixedSignIn in report.ts): the background
 * (session reads and proxied calls at fixed rates) alone for half the time, then with sign-ins at full speed beside
 * it for the whole time, then alone again; the sign-in's share is the mixed run's CPU less the background's.
 */
export async function mixedSignIn(o: MixedOptions): Promise<MixedSignIn> {
  const pid = o.login.server.child.pid;
  const cpu = () => {
    const ms = cpuTimeMs(pid);
    if (ms === undefined) throw new Error('the BFF process has no CPU time to read (/proc): the mixed sign-in needs it');
    return ms;
  };
  const background = (durationS: number): [Promise<RoundSample>, Promise<RoundSample>] => [
    runLoad({ ...o.read.load, connections: 20, durationS, rate: o.readsPerS }),
    runLoad({ ...o.proxy.load, connections: 10, durationS, rate: o.proxiedPerS }),
  ];
  let unexpected = 0;
  /** the background's answers, its unexpected ones counted */
  const tally = ([reads, proxied]: [RoundSample, RoundSample]) => {
    unexpected += unexpectedIn(reads, o.read.expectedStatus) + unexpectedIn(proxied, o.proxy.expectedStatus);
    return reads.responses + proxied.responses;
  };
  const alone = async () => {
    const before = cpu();
    const requests = tally(await Promise.all(background(o.seconds / 2)));
    return { ms: cpu() - before, requests };
  };

  const first = await alone();
  const before = cpu();
  const [mixed, signins] = await Promise.all([
    Promise.all(background(o.seconds)),
    runLoad({ ...o.login.load, connections: o.login.connections, durationS: o.seconds }),
  ]);
  const mixedCpuMs = cpu() - before;
  const last = await alone();
  const mixedBackgroundRequests = tally(mixed);
  unexpected += unexpectedIn(signins, o.login.expectedStatus);
  const answered = signins.statuses[String(o.login.expectedStatus)] ?? 0;
  return {
    seconds: o.seconds,
    reads_per_s: o.readsPerS,
    proxied_per_s: o.proxiedPerS,
    ...signInShareUs({
      mixedCpuMs,
      mixedBackgroundRequests,
      aloneCpuMs: first.ms + last.ms,
      aloneRequests: first.requests + last.requests,
      signins: answered,
    }),
    background_requests: mixedBackgroundRequests,
    signins: answered,
    unexpected,
  };
}
