import { ConsoleConfigError, loadConsoleConfig } from './server/config';
import { startConsoleServer } from './server/server';

async function main(): Promise<void> {
  const config = loadConsoleConfig();
  const running = await startConsoleServer(config);
  console.log(`web console listening on ${config.host}:${running.server.address() && typeof running.server.address() === 'object' ? (running.server.address() as { port: number }).port : config.port}`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConsoleConfigError ? error.message : error);
  process.exit(1);
});
