import { loadConfig, ConfigError } from './config/index.js';
import { createLogger } from './logger.js';
import { startGateway } from './gateway.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const gateway = await startGateway(config, logger, say);
  logger.info({ url: gateway.url }, `Session gateway listening: open ${gateway.url}`);
  logger.info({ metrics: gateway.metricsServer.url }, `Metrics at ${gateway.metricsServer.url}`);
  if (gateway.emulator) {
    logger.info({ emulator: gateway.emulator.url }, `CloudBase Auth emulator running at ${gateway.emulator.url}`);
    say(`\n  Open ${gateway.url} in a browser.\n  CloudBase Auth emulator: ${gateway.emulator.url} (SMS codes it "sends" are printed below)\n`);
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
