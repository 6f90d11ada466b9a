import type { ErpSystem, Person } from './person';

interface FactBase {
  /** Id of the event that reported the fact. */
  eventId: string;
  /** The export or import the fact is about; with the kind and the recipient it identifies a notification. */
  operationId: string;
  companyId: string;
  /** Null for an initial import, before the budget exists. */
  budgetId: string | null;
  /** Budget name when known, else null (the templates then say "your budget"). */
  budgetName: string | null;
  occurredAt: string;
}

/** What happened that someone must be told about. */
export type NotifiableFact =
  | (FactBase & { type: 'budget_rejected'; reason: string; rejectedBy: Person; createdBy: Person })
  | (FactBase & {
      type: 'export_failed';
      erpSystem: ErpSystem;
      jobNumber: string;
      reasonCode: string;
      message: string;
      sentBy: Person;
      acceptedBy: Person;
    })
  | (FactBase & {
      /** The ERP holds an export the platform had given up on (timed out, rejected or retrieved). */
      type: 'export_landed_late';
      erpSystem: ErpSystem;
      jobNumber: string;
      total: string;
      sentBy: Person;
      acceptedBy: Person;
    })
  | (FactBase & { type: 'erp_posted'; erpSystem: ErpSystem; jobNumber: string; total: string; createdBy: Person })
  | (FactBase & {
      type: 'budget_accepted';
      erpSystem: ErpSystem;
      jobNumber: string;
      total: string;
      acceptedBy: Person;
      createdBy: Person;
    })
  | (FactBase & {
      type: 'import_succeeded';
      mode: 'initial_overwrite' | 'initial_keep_and_add' | 'reimport';
      erpSystem: ErpSystem;
      jobNumber: string;
      lineCount: number;
      total: string;
      requestedBy: Person;
    })
  | (FactBase & { type: 'import_failed'; reasonCode: string; message: string; requestedBy: Person })
  | (FactBase & {
      /** A synced budget differs from its ERP job; `operationId` is the drift id, so each drift is told once. */
      type: 'drift_detected';
      erpSystem: ErpSystem;
      jobNumber: string;
      origin: 'platform' | 'erp';
      lineCount: number;
      platformTotal: string;
      erpTotal: string;
      integrationsUsers: Person[];
    });

export type NotificationKind = NotifiableFact['type'] | 'daily_summary';
