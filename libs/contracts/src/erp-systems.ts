/**
 * The ERP systems the platform exports to, defined once. Services, deploy manifests, docs and the
 * ERP simulator derive from this list or are checked against it: adding an ERP is its adapter
 * folder, its simulator folder and one line here.
 */
export const ERP_SYSTEMS = [
  { id: 'cmic', name: 'CMiC' },
  { id: 'sage300cre', name: 'Sage 300 CRE' },
  { id: 'quickbooks', name: 'QuickBooks Online' },
  { id: 'acumatica', name: 'Acumatica Cloud ERP' },
] as const satisfies readonly { id: string; name: string }[];

export type ErpSystemInfo = (typeof ERP_SYSTEMS)[number];

/** The ids of the ERP systems, in registry order. */
export const ERP_SYSTEM_IDS = ERP_SYSTEMS.map((system) => system.id) as [ErpSystemInfo['id'], ...ErpSystemInfo['id'][]];

/** The registry entry of an ERP system id, or undefined if the platform does not know it. */
export function erpSystemInfo(id: string): ErpSystemInfo | undefined {
  return ERP_SYSTEMS.find((system) => system.id === id);
}
