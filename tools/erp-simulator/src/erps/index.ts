import type { SimSystem } from '../simulator-state';
import { acumaticaErp } from './acumatica/acumatica.routes';
import { cmicErp } from './cmic.routes';
import { quickbooksErp } from './quickbooks.routes';
import type { SimulatedErp } from './simulated-erp';
import { sage300creErp } from './sage300cre.routes';

/** Every ERP of the platform's registry, as the simulator plays it (a missing one does not compile). */
export const simulatedErps: Record<SimSystem, SimulatedErp> = {
  cmic: cmicErp,
  sage300cre: sage300creErp,
  quickbooks: quickbooksErp,
  acumatica: acumaticaErp,
};
