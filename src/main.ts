import { loadConfig, ConfigError } from './config/index.js';
import { loadEnvFile } from './config/env-file.js';
import { createLogger, prettyDestination, wantsPrettyLogs } from './logger.js';
import { embeddedEmulatorBanner, emulatorLineWriter } from './dev-console.js';
import { startGateway } from './gateway.js';
import { pretenuringOff, semiSpaceFloorMiB, youngGenerationAdvice } from './young-generation.js';

async function main(): Promise<void> {
  let config;
  let envFile;
  try {
    envFile = loadEnvFile();
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw e;
  }
  const tty = process.stdout.isTTY === true;
  const logger = createLogger(config.logLevel, wantsPrettyLogs(config, tty) ? await prettyDestination(tty) : undefined);
  if (envFile) logger.info({ envFile }, `read ${envFile}`);
  const heapAdvice = config.production ? youngGenerationAdvice() : undefined;
  if (heapAdvice) logger.warn({ minSemiSpaceMiB: semiSpaceFloorMiB(), pretenuringOff: pretenuringOff() }, heapAdvice);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const gateway = await startGateway(config, logger, emulatorLineWriter(process.stdout, tty));
  logger.info({ url: gateway.url }, `Session gateway listening: open ${gateway.url}`);
  logger.info({ metrics: gateway.metricsServer.url }, `Metrics at ${gateway.metricsServer.url}`);
  if (gateway.emulator) {
    logger.info({ emulator: gateway.emulator.url }, `CloudBase Auth emulator running at ${gateway.emulator.url}`);
    say(embeddedEmulatorBanner(gateway.url, { url: gateway.emulator.url, envId: config.cloudbase.envId, clientId: config.cloudbase.clientId }));
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, delayMs: config.shutdown.delayMs, graceMs: config.shutdown.graceMs }, 'shutting down: draining');
    gateway.close().then(
      ({ cutConnections }) => {
        if (cutConnections > 0) logger.warn({ cutConnections }, 'grace period over: connections cut');
        else logger.info('drained');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
