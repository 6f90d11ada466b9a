import { z } from 'zod';
import {
  BudgetEventBase,
  ExportSnapshotSchema,
  IdSchema,
  InstantSchema,
  RevisionFieldsSchema,
  UserRefSchema,
} from './common';

/** `budget.accepted` — the approver accepted; carries everything the ERP connector needs to export. */
export const BudgetAcceptedV1 = z.object({
  ...BudgetEventBase,
  /** The export being accepted (from `budget.sent`). */
  exportId: IdSchema,
  /** Optional description for the ERP entry. */
  description: z.string().max(500).nullable(),
  /** Revision fields; null for an original export. */
  revision: RevisionFieldsSchema.nullable(),
  /** Who accepted. */
  acceptedBy: UserRefSchema,
  /** When. */
  acceptedAt: InstantSchema,
  /** Who sent it (from `budget.sent`). */
  sentBy: UserRefSchema,
  /** Who created the budget (from `budget.sent`). */
  createdBy: UserRefSchema,
  /** What to export (from `budget.sent`). */
  snapshot: ExportSnapshotSchema,
});

/** `budget.rejected` — the approver rejected; the budget returns editable. */
export const BudgetRejectedV1 = z.object({
  ...BudgetEventBase,
  /** The export being rejected. */
  exportId: IdSchema,
  /** The approver's reason. */
  reason: z.string().min(1).max(1000),
  /** Who rejected. */
  rejectedBy: UserRefSchema,
  /** When. */
  rejectedAt: InstantSchema,
  /** Who sent it. */
  sentBy: UserRefSchema,
  /** Who created the budget (emailed the reason). */
  createdBy: UserRefSchema,
  /** Whether the rejected export had failed in the ERP before. */
  afterFailedExport: z.boolean(),
});
