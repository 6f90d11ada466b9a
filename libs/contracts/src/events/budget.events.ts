import { z } from 'zod';
import {
  BudgetEventBase,
  ErpSystemSchema,
  ExportSnapshotSchema,
  IdSchema,
  InstantSchema,
  UserRefSchema,
} from './common';

/** `budget.locked` — the PM locked a budget. */
export const BudgetLockedV1 = z.object({
  ...BudgetEventBase,
  /** Who locked it. */
  lockedBy: UserRefSchema,
  /** When. */
  lockedAt: InstantSchema,
});

/** `budget.unlocked` — the budget became editable again (by the PM, or after a rejection). */
export const BudgetUnlockedV1 = z.object({
  ...BudgetEventBase,
  /** Who unlocked it; null when the export saga unlocked it after a rejection. */
  unlockedBy: UserRefSchema.nullable(),
  /** Why: the PM asked, or the send was rejected. */
  cause: z.enum(['user', 'rejected']),
  /** What happened to the budget's modifications. */
  modifications: z.enum(['none', 'preserved', 'deleted']),
  /** When. */
  unlockedAt: InstantSchema,
});

/** `budget.sent` — a budget (or revision) was sent for accounting acceptance, with the full snapshot to export. */
export const BudgetSentV1 = z.object({
  ...BudgetEventBase,
  /** Id of this export; follows it through acceptance, export and posting. */
  exportId: IdSchema,
  /** Who sent it. */
  sentBy: UserRefSchema,
  /** Who created the budget (rejections are emailed to them). */
  createdBy: UserRefSchema,
  /** When. */
  sentAt: InstantSchema,
  /** What will be exported. */
  snapshot: ExportSnapshotSchema,
});

/** `budget.retrieved` — the PM took a sent budget back before review. */
export const BudgetRetrievedV1 = z.object({
  ...BudgetEventBase,
  /** The export that was withdrawn. */
  exportId: IdSchema,
  /** Who retrieved it. */
  retrievedBy: UserRefSchema,
  /** When. */
  retrievedAt: InstantSchema,
});

/** `budget.export.timed_out` — the export saga heard nothing in time and marked the export failed. */
export const BudgetExportTimedOutV1 = z.object({
  ...BudgetEventBase,
  /** The export that timed out. */
  exportId: IdSchema,
  /** Always `timeout`. */
  reasonCode: z.literal('timeout'),
  /** Human-readable explanation. */
  message: z.string(),
  /** When the saga gave up waiting. */
  timedOutAt: InstantSchema,
});

/** `budget.import.requested` — a user asked to (re-)import an ERP-origin budget. */
export const BudgetImportRequestedV1 = z.object({
  ...BudgetEventBase,
  /** Id of this import. */
  importId: IdSchema,
  /** ERP system to import from. */
  erpSystem: ErpSystemSchema,
  /** ERP job to import from. */
  jobNumber: z.string().min(1),
  /** Who asked. */
  requestedBy: UserRefSchema,
  /** When. */
  requestedAt: InstantSchema,
});
