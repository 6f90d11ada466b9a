import { join } from 'node:path';
import { DEFAULT_ERP_SIMULATOR_PORT, SIM_SYSTEMS, startErpSimulator } from './index';

async function main(): Promise<void> {
  const port = Number(process.env.ERP_SIMULATOR_PORT ?? process.env.PORT ?? DEFAULT_ERP_SIMULATOR_PORT);
  // --memory keeps nothing on disk; --fresh starts with empty books; ERP_SIMULATOR_DATA_DIR (default .dev-data/erp-simulator) holds them.
  const args = new Set(process.argv.slice(2));
  const dataDir = args.has('--memory') ? undefined : (process.env.ERP_SIMULATOR_DATA_DIR ?? join(process.cwd(), '.dev-data', 'erp-simulator'));
  const simulator = await startErpSimulator({ port, host: process.env.ERP_SIMULATOR_HOST ?? '127.0.0.1', dataDir, fresh: args.has('--fresh') });
  console.log(JSON.stringify({ level: 'info', msg: 'ERP simulator listening', url: simulator.url, systems: SIM_SYSTEMS, books: simulator.booksPath ?? 'in memory' }));
  const shutdown = () => void simulator.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

void main();
