import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatorBooksFile } from './books';
import { controlRoutes } from './control.routes';
import { simulatedErps } from './erps';
import { Router, send } from './http';
import { SimulatorState } from './simulator-state';

export * from './simulator-state';
export { jobView } from './control.routes';

export interface ErpSimulator {
  url: string;
  port: number;
  state: SimulatorState;
  /** The books file, when the simulator keeps its books on disk. */
  booksPath?: string;
  stop(): Promise<void>;
}

export const DEFAULT_ERP_SIMULATOR_PORT = 3010;

export interface ErpSimulatorOptions {
  /** `0` picks a free port. */
  port?: number;
  host?: string;
  /** Where the ERPs keep their books (`books.json`) across restarts; undefined keeps them in memory only. */
  dataDir?: string;
  /** Start with empty books (wipes what `dataDir` holds). */
  fresh?: boolean;
}

/**
 * Starts the simulator of every ERP of the platform's registry (CMiC, Sage 300 CRE, QuickBooks Online, Acumatica). With a `dataDir` its jobs,
 * cost codes, exports, postings, entry numbers and faults survive a restart.
 */
export async function startErpSimulator(options: ErpSimulatorOptions = {}): Promise<ErpSimulator> {
  const state = new SimulatorState();
  const books = options.dataDir ? new SimulatorBooksFile(options.dataDir) : undefined;
  if (books && options.fresh) books.wipe();
  books?.load(state);
  const router = new Router(
    state,
    () => books?.save(state),
    (system) => simulatedErps[system].unauthorized,
  );
  router.add(...controlRoutes, ...Object.values(simulatedErps).flatMap((erp) => erp.routes));
  const server: Server = createServer((req, res) => {
    router.dispatch(req, res).catch((error: Error) => send(res, 500, { error: error.message }));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_ERP_SIMULATOR_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    state,
    ...(books ? { booksPath: books.path } : {}),
    stop: () =>
      new Promise<void>((resolve) => {
        router.releaseHeld();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
