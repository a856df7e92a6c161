import type { Server } from 'node:http';
import { withApiOrigin, type Config } from './config/index.js';
import type { Logger } from './logger.js';
import { createRedisClient, waitReady, type RedisClient } from './session/redis.js';
import { createApp } from './app.js';
import { compose } from './compose.js';
import { answerClientErrors } from './http/client-errors.js';
import { drainAwareServer } from './http/drain-aware-server.js';
import { createMetrics } from './metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/server.js';
import type { RunningEmulator } from './emulator/server.js';

export interface Gateway {
  config: Config;
  url: string;
  server: Server;
  redis: RedisClient | undefined;
  emulator: RunningEmulator | undefined;
  /** the metrics listener (METRICS_HOST:METRICS_PORT), apart from the public port */
  metricsServer: MetricsServer;
  /**
   * Drains: readiness answers 503 and every response closes its connection; after the configured delay the listener
   * closes, in-flight requests finish (up to graceMs, then their connections are cut), then Redis and the emulator
   * close. Resolves with the number of connections that had to be cut.
   */
  close(graceMs?: number): Promise<{ cutConnections: number }>;
}

/**
 * Wires everything from a validated config: the embedded emulator when there is no CloudBase env, Redis (or the
 * in-process development store), the CloudBase client and the app; then listens.
 */
/**
 * `emulatorLog` receives the embedded emulator's lines (the SMS codes it "sends"): a person reads them, so they stay
 * out of the gateway's structured log.
 */
export async function startGateway(
  baseConfig: Config,
  logger: Logger,
  emulatorLog: (line: string) => void = (line) => logger.info(line),
): Promise<Gateway> {
  let config = baseConfig;
  let emulator: RunningEmulator | undefined;
  if (config.cloudbase.embeddedEmulator) {
    // Loaded only when used: a gateway in front of real CloudBase never loads the emulator (nor jose).
    const { startEmulator } = await import('./emulator/server.js');
    const { parseEmulatorProviders } = await import('./emulator/providers.js');
    emulator = await startEmulator({
      port: 0,
      providers: parseEmulatorProviders(config.emulatorProviders),
      envId: config.cloudbase.envId,
      clientId: config.cloudbase.clientId,
      ...(config.cloudbase.clientSecret ? { clientSecret: config.cloudbase.clientSecret } : {}),
      log: emulatorLog,
    });
    config = withApiOrigin(config, emulator.url);
  }
  for (const w of config.warnings) logger.warn(w);

  const redis = createRedisClient(config.redis);
  if (redis) {
    redis.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis error'));
    await waitReady(redis);
  }
  let draining = false;
  const services = compose(config, logger, { metrics: createMetrics(), ...(redis ? { redis } : {}) });
  const { metrics } = services;
  const isDraining = () => draining;
  const app = createApp({ ...services, isDraining });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = drainAwareServer(app, isDraining);
    s.listen(config.port, config.host ?? '0.0.0.0', () => resolve(s));
    answerClientErrors(s);
    s.once('error', reject);
  });
  let metricsServer: MetricsServer;
  try {
    metricsServer = await startMetricsServer(metrics, config.metrics);
  } catch (err) {
    server.close();
    throw new Error(`METRICS_PORT ${config.metrics.port} on ${config.metrics.host}: ${(err as Error).message}`, { cause: err });
  }
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.port;
  const url = `http://${config.host && config.host !== '0.0.0.0' ? config.host : 'localhost'}:${port}`;

  return {
    config,
    url,
    server,
    redis,
    emulator,
    metricsServer,
    async close(graceMs = config.shutdown.graceMs) {
      // From here every response closes its connection (drainAwareServer).
      draining = true;
      // Still accepting: the load balancer sees readiness fail and moves traffic, and each response closes its
      // connection, so no keep-alive connection is left idle to be closed under a request already on its way.
      if (config.shutdown.delayMs > 0) await new Promise((r) => setTimeout(r, config.shutdown.delayMs));
      let cutConnections = 0;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          clearInterval(sweep);
          server.getConnections((err, open) => {
            cutConnections = err ? 0 : open;
            server.closeAllConnections();
            resolve();
          });
        }, graceMs);
        // A keep-alive connection whose request finishes during the drain would otherwise idle until its timeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(timer);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      await metricsServer.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
      if (emulator) await emulator.close();
      return { cutConnections };
    },
  };
}
