import type { ErpSystem } from '@budget-erp/contracts';
import { acumaticaAdapter } from './acumatica/acumatica.adapter';
import { cmicAdapter } from './cmic/cmic.adapter';
import type { ErpAdapter } from './erp-adapter';
import { quickbooksAdapter } from './quickbooks/quickbooks.adapter';
import { sage300creAdapter } from './sage300cre/sage300cre.adapter';

/**
 * Every ERP the connector speaks to, one per entry of the platform's ERP list (`ERP_SYSTEMS` in
 * contracts; the type makes a missing one a compile error, a test checks each adapter's id and
 * name against it). A new ERP is one new folder and one line here.
 */
export const erpAdapters: Record<ErpSystem, ErpAdapter> = {
  cmic: cmicAdapter,
  sage300cre: sage300creAdapter,
  quickbooks: quickbooksAdapter,
  acumatica: acumaticaAdapter,
};

export const adapterFor = (system: ErpSystem): ErpAdapter => erpAdapters[system];
