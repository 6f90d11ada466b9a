import { erpSystemInfo, type ErpSystemInfo } from '@budget-erp/contracts';

/** ERP systems the platform exports to: the platform's ERP registry (libs/contracts `ERP_SYSTEMS`). */
export type ErpSystem = ErpSystemInfo['id'];

/** The name a project manager knows the ERP by; "the ERP" when none is known. */
export function erpName(system: ErpSystem | null | undefined): string {
  return system ? (erpSystemInfo(system)?.name ?? system) : 'the ERP';
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
