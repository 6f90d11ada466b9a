/** ERP systems the platform exports to (mirrors the contracts' enum; the domain stays free of transport code). */
export type ErpSystem = 'cmic' | 'sage300cre' | 'quickbooks';

const displayNames: Record<ErpSystem, string> = {
  cmic: 'CMiC',
  sage300cre: 'Sage 300 CRE',
  quickbooks: 'QuickBooks Online',
};

/** The name a project manager knows the ERP by; "the ERP" when none is known. */
export function erpName(system: ErpSystem | null | undefined): string {
  return system ? displayNames[system] : 'the ERP';
}

/** What the budget service knows of the company's ERP and of the project's ERP job. */
export interface ErpContext {
  connection: { erpSystem: ErpSystem; estimatesEnabled: boolean } | null;
  link: {
    erpSystem: ErpSystem;
    jobNumber: string;
    costCodes: string[];
    supportsSubJobs: boolean;
    subJobs: string[];
  } | null;
}
