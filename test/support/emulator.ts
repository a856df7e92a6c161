import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/server.js';

export type { EmulatorOptions, RunningEmulator };

/** An emulator on a free loopback port; silent unless EMULATOR_DEBUG is set. */
export function startTestEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const log = process.env.EMULATOR_DEBUG ? (line: string) => console.log(line) : () => undefined;
  return startEmulator({ log, ...opts, port: 0 });
}
