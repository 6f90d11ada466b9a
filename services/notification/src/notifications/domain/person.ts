import { type ErpSystem, erpSystemInfo } from '@budget-erp/contracts';

export type { ErpSystem };

/** Someone the platform notifies, as the events name them. An empty email means: feed only. */
export interface Person {
  userId: string;
  name: string;
  email: string;
}

/** The ERP's name as its users know it, from the platform's one list of ERP systems. */
export const erpDisplayName = (system: ErpSystem): string => erpSystemInfo(system)?.name ?? system;

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
