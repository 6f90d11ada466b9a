/** Someone the platform notifies, as the events name them. An empty email means: feed only. */
export interface Person {
  userId: string;
  name: string;
  email: string;
}

export type ErpSystem = 'cmic' | 'sage300cre' | 'quickbooks';

export const erpDisplayName = (system: ErpSystem): string => {
  switch (system) {
    case 'cmic':
      return 'CMiC';
    case 'sage300cre':
      return 'Sage 300 CRE';
    case 'quickbooks':
      return 'QuickBooks Online';
    default:
      return assertNever(system);
  }
};

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
