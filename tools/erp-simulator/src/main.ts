import { DEFAULT_ERP_SIMULATOR_PORT, startErpSimulator } from './index';

async function main(): Promise<void> {
  const port = Number(process.env.ERP_SIMULATOR_PORT ?? process.env.PORT ?? DEFAULT_ERP_SIMULATOR_PORT);
  const simulator = await startErpSimulator({ port, host: process.env.ERP_SIMULATOR_HOST ?? '127.0.0.1' });
  console.log(JSON.stringify({ level: 'info', msg: 'ERP simulator listening', url: simulator.url, systems: ['cmic', 'sage300cre', 'quickbooks'] }));
  const shutdown = () => void simulator.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

void main();
