import { z } from 'zod';
import {
  AmountSchema,
  BudgetEventBase,
  ErpSystemSchema,
  ExportKindSchema,
  IdSchema,
  InstantSchema,
  BudgetOriginSchema,
  UserRefSchema,
} from './common';

/** Stable reason codes of a failed export or import. */
export const ErpFailureCodeSchema = z.enum([
  'erp_unavailable',
  'validation_rejected',
  'sub_jobs_not_supported',
  'estimates_disabled',
  'cost_code_missing',
  'job_not_found',
  'connection_missing',
  'credentials_unreadable',
  'erp_record_missing',
  'erp_changed',
  'timeout',
  'unknown',
]);
export type ErpFailureCode = z.infer<typeof ErpFailureCodeSchema>;

/** Fields every export outcome carries. */
const ExportOutcomeBase = {
  ...BudgetEventBase,
  /** The export. */
  exportId: IdSchema,
  /** ERP system. */
  erpSystem: ErpSystemSchema,
  /** ERP job. */
  jobNumber: z.string(),
  /** Original or revision. */
  kind: ExportKindSchema,
  /** Who sent the budget. */
  sentBy: UserRefSchema,
  /** Who accepted the export. */
  acceptedBy: UserRefSchema,
  /** Who created the budget. */
  createdBy: UserRefSchema,
};

/** `export.succeeded` — the ERP accepted the export; its entries await posting. */
export const ExportSucceededV1 = z.object({
  ...ExportOutcomeBase,
  /** The ERP's own reference of what was created (batch, entry or estimate id). */
  erpReference: z.string(),
  /** Total exported. */
  total: AmountSchema,
  /** When. */
  exportedAt: InstantSchema,
});

/** `export.failed` — the export failed permanently. */
export const ExportFailedV1 = z.object({
  ...ExportOutcomeBase,
  /** Stable reason code. */
  reasonCode: ErpFailureCodeSchema,
  /** Message an accountant understands. */
  message: z.string(),
  /** Attempts made. */
  attempts: z.number().int().nonnegative(),
  /** When. */
  failedAt: InstantSchema,
});

/** `erp.posted` — the exported entries are posted in the ERP; the hold can be released. */
export const ErpPostedV1 = z.object({
  ...BudgetEventBase,
  /** The export whose entries were posted. */
  exportId: IdSchema,
  /** ERP system. */
  erpSystem: ErpSystemSchema,
  /** ERP job. */
  jobNumber: z.string(),
  /** Total now posted for this export. */
  total: AmountSchema,
  /** Who created the budget (told that it may be unlocked). */
  createdBy: UserRefSchema,
  /** Who sent it. */
  sentBy: UserRefSchema,
  /** When the posting was detected. */
  postedAt: InstantSchema,
});

/** A cost code of an ERP job. */
export const ErpCostCodeSchema = z.object({
  /** Cost code as the ERP spells it. */
  code: z.string().min(1),
  /** Its description. */
  description: z.string(),
});

/** `erp.project.linked` — a project was linked to an ERP job (keyed by project id). */
export const ErpProjectLinkedV1 = z.object({
  /** The project. */
  projectId: IdSchema,
  /** The company. */
  companyId: IdSchema,
  /** ERP system. */
  erpSystem: ErpSystemSchema,
  /** ERP job number. */
  jobNumber: z.string().min(1),
  /** ERP job name. */
  jobName: z.string(),
  /** The job's cost codes. */
  costCodes: z.array(ErpCostCodeSchema),
  /** Whether this ERP supports sub jobs. */
  supportsSubJobs: z.boolean(),
  /** The job's sub jobs (empty when unsupported). */
  subJobs: z.array(z.string()),
  /** Who linked it. */
  linkedBy: UserRefSchema,
  /** When. */
  linkedAt: InstantSchema,
});

/** `erp.connection.updated` — a company's ERP connection changed (keyed by company id). No credentials. */
export const ErpConnectionUpdatedV1 = z.object({
  /** The company. */
  companyId: IdSchema,
  /** ERP system the company exports to. */
  erpSystem: ErpSystemSchema,
  /** Whether the ERP's estimates feature is on (QuickBooks needs it). */
  estimatesEnabled: z.boolean(),
  /** The company's IANA time zone (revision dates), UTC when unknown. */
  timeZone: z.string(),
  /** When. */
  updatedAt: InstantSchema,
});

/** One line of a budget as the ERP holds it. */
export const ErpBudgetLineSchema = z.object({
  /** Cost code. */
  costCode: z.string().min(1),
  /** Cost type, if any. */
  costType: z.string().nullable(),
  /** Sub job, if any. */
  subJob: z.string().nullable(),
  /** Description. */
  description: z.string().nullable(),
  /** Amount in the ERP. */
  amount: AmountSchema,
});

/** `erp.budget.imported` — a budget was read from the ERP (initial import or re-import). */
export const ErpBudgetImportedV1 = z.object({
  /** The budget being re-imported; null for an initial import into a project. */
  budgetId: IdSchema.nullable(),
  /** The project. */
  projectId: IdSchema,
  /** The company. */
  companyId: IdSchema,
  /** Id of the import. */
  importId: IdSchema,
  /** Initial import into the project, or re-import of an ERP-origin budget. */
  mode: z.enum(['initial_overwrite', 'initial_keep_and_add', 'reimport']),
  /** ERP system. */
  erpSystem: ErpSystemSchema,
  /** ERP job. */
  jobNumber: z.string(),
  /** Lines above $0 in the ERP. */
  lines: z.array(ErpBudgetLineSchema),
  /** Their total. */
  total: AmountSchema,
  /** Who asked. */
  requestedBy: UserRefSchema,
  /** When. */
  importedAt: InstantSchema,
});

/** `erp.budget.import.failed` — reading the budget from the ERP failed. */
export const ErpBudgetImportFailedV1 = z.object({
  /** The budget being re-imported; null for an initial import. */
  budgetId: IdSchema.nullable(),
  /** The project. */
  projectId: IdSchema,
  /** The company. */
  companyId: IdSchema,
  /** Id of the import. */
  importId: IdSchema,
  /** Stable reason code. */
  reasonCode: ErpFailureCodeSchema,
  /** Human-readable reason. */
  message: z.string(),
  /** Who asked. */
  requestedBy: UserRefSchema,
  /** When. */
  failedAt: InstantSchema,
});

/** What made the connector compare a budget with its ERP job. */
export const DriftCheckTriggerSchema = z.enum(['schedule', 'on_demand', 'posting', 'import']);
export type DriftCheckTrigger = z.infer<typeof DriftCheckTriggerSchema>;

/** One line whose amount differs between the platform's last sync and the ERP job. */
export const DriftLineSchema = z.object({
  /** Cost code. */
  costCode: z.string().min(1),
  /** Cost type, if any. */
  costType: z.string().nullable(),
  /** Sub job, if any. */
  subJob: z.string().nullable(),
  /** Description, from the ERP when it holds the line, else the platform's. */
  description: z.string().nullable(),
  /** What the platform last synced for the line ("0.00" when it synced none). */
  platformAmount: AmountSchema,
  /** What the ERP job holds for the line now ("0.00" when it holds none). */
  erpAmount: AmountSchema,
  /** erpAmount minus platformAmount. */
  difference: AmountSchema,
});
export type DriftLine = z.infer<typeof DriftLineSchema>;

/** Fields both drift events carry. */
const DriftBase = {
  /** The synced budget (the record key). */
  budgetId: IdSchema,
  /** Its project. */
  projectId: IdSchema,
  /** The company. */
  companyId: IdSchema,
  /** Id of this drift: the same from its detection to its resolution. */
  driftId: IdSchema,
  /** ERP system. */
  erpSystem: ErpSystemSchema,
  /** ERP job. */
  jobNumber: z.string(),
  /** Where the budget was created: decides the resolution offered (erp: re-import; platform: re-send as a correcting revision). */
  origin: BudgetOriginSchema,
  /** What made the connector look. */
  trigger: DriftCheckTriggerSchema,
};

/**
 * `erp.budget.drift_detected` — a synced budget differs from what its ERP job holds. Published when
 * a drift begins, and again under the same `driftId` when its differing lines change.
 */
export const ErpBudgetDriftDetectedV1 = z.object({
  ...DriftBase,
  /** Every line that differs. */
  lines: z.array(DriftLineSchema).min(1),
  /** Total the platform last synced. */
  platformTotal: AmountSchema,
  /** Total the ERP job holds. */
  erpTotal: AmountSchema,
  /** When the difference was found. */
  detectedAt: InstantSchema,
});

/** `erp.budget.drift_resolved` — the budget and its ERP job agree again. */
export const ErpBudgetDriftResolvedV1 = z.object({
  ...DriftBase,
  /** The total both now hold. */
  total: AmountSchema,
  /** When the agreement was found. */
  resolvedAt: InstantSchema,
});
