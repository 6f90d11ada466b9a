import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlRoutes } from './control.routes';
import { cmicRoutes } from './erps/cmic.routes';
import { quickbooksRoutes } from './erps/quickbooks.routes';
import { sage300creRoutes } from './erps/sage300cre.routes';
import { Router, send } from './http';
import { SimulatorState } from './simulator-state';

export * from './simulator-state';
export { jobView } from './control.routes';

export interface ErpSimulator {
  url: string;
  port: number;
  state: SimulatorState;
  stop(): Promise<void>;
}

export const DEFAULT_ERP_SIMULATOR_PORT = 3010;

/** Starts the simulator of CMiC, Sage 300 CRE and QuickBooks Online. `port: 0` picks a free port. */
export async function startErpSimulator(options: { port?: number; host?: string } = {}): Promise<ErpSimulator> {
  const state = new SimulatorState();
  const router = new Router(state);
  router.add(...controlRoutes, ...cmicRoutes, ...sage300creRoutes, ...quickbooksRoutes);
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
    stop: () =>
      new Promise<void>((resolve) => {
        router.releaseHeld();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
