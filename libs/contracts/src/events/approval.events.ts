import { z } from 'zod';
import {
  BudgetEventBase,
  IdSchema,
  InstantSchema,
  RevisionFieldsSchema,
  UserRefSchema,
} from './common';

/**
 * `budget.accepted` (v2) — the approver accepted; the decision only. What to export is the send's
 * (`budget.sent` and `budget.sent.lines` of the same `exportId`).
 */
export const BudgetAcceptedV2 = z.object({
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
