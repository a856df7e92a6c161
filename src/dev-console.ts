/**
 * What `npm start` prints for a person at the terminal (not the structured log): the embedded emulator's lines, with
 * the codes it "sends" made easy to spot, and where to reach the emulator from another terminal.
 */

const BOLD_YELLOW = '\u001b[1;33m';
const RESET = '\u001b[0m';

/** Writes the emulator's lines to stdout; a line carrying a code stands out (in colour on a terminal). */
export function emulatorLineWriter(out: NodeJS.WriteStream, colour: boolean): (line: string) => void {
  return (line) => {
    const isCode = /: code \d+/.test(line);
    const text = isCode ? `>>> ${line}` : line;
    out.write(`${isCode && colour ? `${BOLD_YELLOW}${text}${RESET}` : text}\n`);
  };
}

/** The banner after start-up with the embedded emulator: enough to call it from another terminal. */
export function embeddedEmulatorBanner(gatewayUrl: string, emulator: { url: string; envId: string; clientId: string }): string {
  return [
    '',
    `  Open ${gatewayUrl} in a browser.`,
    `  CloudBase Auth emulator: ${emulator.url}  (env id ${emulator.envId}, client id ${emulator.clientId})`,
    '  SMS and email codes it "sends" are printed below, marked >>>.',
    `  Another terminal can use it too: CLOUDBASE_ENV_ID=${emulator.envId} CLOUDBASE_CLIENT_ID=${emulator.clientId} CLOUDBASE_API_ORIGIN=${emulator.url}`,
    '',
  ].join('\n');
}
