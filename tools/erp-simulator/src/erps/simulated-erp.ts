import type { Route } from '../http';
import type { SimSystem } from '../simulator-state';

/** One ERP the simulator plays: its API routes and how it answers credentials it does not accept (401). */
export interface SimulatedErp {
  system: SimSystem;
  routes: Route[];
  unauthorized: unknown;
}
