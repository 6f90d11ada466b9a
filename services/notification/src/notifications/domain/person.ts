import { erpSystemInfo, type ErpSystemInfo } from '@budget-erp/contracts';

/** Someone the platform notifies, as the events name them. An empty email means: feed only. */
export interface Person {
  userId: string;
  name: string;
  email: string;
}

export type ErpSystem = ErpSystemInfo['id'];

/** The ERP's name as accountants know it, from the platform's ERP registry. */
export const erpDisplayName = (system: ErpSystem): string => erpSystemInfo(system)?.name ?? system;

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
