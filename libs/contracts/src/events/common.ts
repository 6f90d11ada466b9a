import { z } from 'zod';
import { amountProblem } from '@budget-erp/money';
import { ERP_SYSTEM_IDS } from '../erp-systems';

/** A decimal amount with at most two fraction digits, e.g. `"1250.00"`; never a float. */
export const AmountSchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = amountProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `amount ${problem}` });
  })
  .describe('Decimal string with at most 2 fraction digits, e.g. "1250.00"');

/** ERP systems the platform exports to. */
export const ErpSystemSchema = z.enum(ERP_SYSTEM_IDS).describe('ERP system');
export type ErpSystem = z.infer<typeof ErpSystemSchema>;

/** ISO-8601 instant, e.g. `2026-11-23T20:15:00.000Z`. */
export const InstantSchema = z.iso.datetime({ offset: true }).describe('ISO-8601 timestamp');

/** ISO calendar date, e.g. `2026-11-23`. */
export const IsoDateSchema = z.iso.date().describe('ISO calendar date');

export const IdSchema = z.string().min(1).max(200);

/** A person as the events carry them, so consumers never need to look users up. */
export const UserRefSchema = z
  .object({
    /** The user's id (JWT `sub`). */
    userId: IdSchema,
    /** Display name. */
    name: z.string(),
    /** Email address; empty when unknown. */
    email: z.string(),
  })
  .describe('A user, with what notifications need');
export type UserRef = z.infer<typeof UserRefSchema>;

/** Where a budget was first created. */
export const BudgetOriginSchema = z.enum(['platform', 'erp']);
export type BudgetOrigin = z.infer<typeof BudgetOriginSchema>;

/** Whether an export carries the original budget or a revision of an exported one. */
export const ExportKindSchema = z.enum(['original', 'revision']);
export type ExportKind = z.infer<typeof ExportKindSchema>;

/** Revision fields an approver sets when accepting a revision export. */
export const RevisionFieldsSchema = z.object({
  /** Kind of revision. */
  type: z.enum(['scope_change', 'budget_transfer', 'contingency']),
  /** Revision date (company time zone). */
  date: IsoDateSchema,
  /** Revision number, next in sequence per ERP job by default. */
  number: z.number().int().positive(),
  /** Status of the revision in the ERP. */
  status: z.enum(['approved', 'pending', 'forecasted', 'rejected']),
  /** Who approved it, as text. */
  approvedBy: z.string().min(1).max(200),
});
export type RevisionFields = z.infer<typeof RevisionFieldsSchema>;

/** One budget line as exported. */
export const SnapshotLineSchema = z.object({
  /** Line id in the budget service. */
  lineId: IdSchema,
  /** ERP cost code. */
  costCode: z.string().min(1),
  /** Cost type (category), if any. */
  costType: z.string().nullable(),
  /** Sub job, if any. */
  subJob: z.string().nullable(),
  /** Free text. */
  description: z.string().nullable(),
  /** Current amount of the line. */
  amount: AmountSchema,
  /** Amount last synced to the ERP for this line; null when never synced. */
  syncedAmount: AmountSchema.nullable(),
});
export type SnapshotLine = z.infer<typeof SnapshotLineSchema>;

/** The full budget to export, as it was when sent. */
export const ExportSnapshotSchema = z.object({
  /** Budget name. */
  name: z.string(),
  /** Where the budget was created. */
  origin: BudgetOriginSchema,
  /** Original export or revision of an exported budget. */
  kind: ExportKindSchema,
  /** The company's ERP system at send time. */
  erpSystem: ErpSystemSchema,
  /** The ERP job the project is linked to. */
  jobNumber: z.string().min(1),
  /** Every line of the budget. */
  lines: z.array(SnapshotLineSchema),
  /** Sum of the lines' amounts. */
  total: AmountSchema,
  /** Sum of the lines' synced amounts ("0.00" for an original). */
  syncedTotal: AmountSchema,
  /** Ids of the approved modifications included in this export. */
  modificationIds: z.array(IdSchema),
});
export type ExportSnapshot = z.infer<typeof ExportSnapshotSchema>;

/** Fields every budget event carries. */
export const BudgetEventBase = {
  /** The budget (also the Kafka key and `ce_subject`). */
  budgetId: IdSchema,
  /** The project the budget belongs to. */
  projectId: IdSchema,
  /** The owning company (also `ce_companyid`). */
  companyId: IdSchema,
};
