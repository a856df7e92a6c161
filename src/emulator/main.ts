import { parseEmulatorProviders } from './providers.js';
import { startEmulator } from './server.js';

/** `npm run emulator`: the CloudBase Auth v2 emulator alone, configured from the environment. */
async function main(): Promise<void> {
  const env = process.env;
  const port = env.EMULATOR_PORT ? Number(env.EMULATOR_PORT) : 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`EMULATOR_PORT must be a port number (0-65535), got "${env.EMULATOR_PORT}"`);
  }
  const emulator = await startEmulator({
    port,
    host: env.HOST || '127.0.0.1',
    ...(env.CLOUDBASE_ENV_ID && { envId: env.CLOUDBASE_ENV_ID }),
    ...(env.CLOUDBASE_CLIENT_ID && { clientId: env.CLOUDBASE_CLIENT_ID }),
    ...(env.CLOUDBASE_CLIENT_SECRET && { clientSecret: env.CLOUDBASE_CLIENT_SECRET }),
    providers: parseEmulatorProviders(env.EMULATOR_PROVIDERS),
  });
  const { envId, clientId, clientSecret } = emulator.state.identity;
  console.log(
    `[emulator] CloudBase Auth v2 emulator on ${emulator.url} (env ${envId}, client_id ${clientId}` +
      `${clientSecret ? ', client secret checked' : ''}); control routes under ${emulator.url}/__emulator/`,
  );
  const providers = [...emulator.state.providers.values()].map((p) => `${p.id}${p.autoSignUp ? '' : ' (manual sign-up)'}`);
  console.log(`[emulator] providers: ${providers.join(', ') || 'none'}`);

  const shutdown = (signal: string) => {
    console.log(`[emulator] ${signal}: closing`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`[emulator] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
