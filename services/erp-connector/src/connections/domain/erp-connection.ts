import type { ErpSystem } from '@budget-erp/contracts';

/** A company's ERP connection as the platform may show and publish it: never the credentials. */
export interface ErpConnectionSettings {
  companyId: string;
  system: ErpSystem;
  /** The company's id inside the ERP (CMiC company code, Sage 300 CRE company, QuickBooks realm). */
  erpCompanyId: string;
  estimatesEnabled: boolean;
  timeZone: string;
  /** The company's own ERP address where the ERP is hosted per customer; null when the platform's address for that ERP is used. */
  baseUrl: string | null;
  hasCredentials: boolean;
  updatedAt: string;
}
