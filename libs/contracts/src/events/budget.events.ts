import { z } from 'zod';
import {
  AmountSchema,
  BudgetEventBase,
  BudgetOriginSchema,
  ErpSystemSchema,
  ExportKindSchema,
  SnapshotLineSchema,
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

/** Lines per `budget.sent.lines` record, at most. */
export const SEND_LINES_PER_CHUNK = 1000;

/**
 * `budget.sent` (v2) — a budget (or revision) was sent for accounting acceptance. A summary: the
 * lines travel once, in `budget.sent.lines`, written in the same transaction. A consumer acts on a
 * send only once it holds all `chunkCount` chunks and their lines match `linesDigest`.
 */
export const BudgetSentV2 = z.object({
  ...BudgetEventBase,
  /** Id of this export; follows it through acceptance, export and posting. */
  exportId: IdSchema,
  /** Who sent it. */
  sentBy: UserRefSchema,
  /** Who created the budget (rejections are emailed to them). */
  createdBy: UserRefSchema,
  /** When; a later send of the same budget supersedes this one. */
  sentAt: InstantSchema,
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
  /** Sum of the lines' amounts. */
  total: AmountSchema,
  /** Sum of the lines' synced amounts ("0.00" for an original). */
  syncedTotal: AmountSchema,
  /** Ids of the approved modifications included in this export. */
  modificationIds: z.array(IdSchema),
  /** How many lines the send has, over all its chunks. */
  lineCount: z.number().int().nonnegative(),
  /** How many `budget.sent.lines` records carry them (at least 1; an empty send has one empty chunk). */
  chunkCount: z.number().int().positive(),
  /** sha256 (hex) of the lines in order, as `linesDigest` computes it. */
  linesDigest: z.string().regex(/^[0-9a-f]{64}$/),
});

/** `budget.sent.lines` — one ordered chunk of the lines of a send (at most 1,000 lines). */
export const BudgetSentLinesV1 = z.object({
  ...BudgetEventBase,
  /** The send (the `exportId` of its `budget.sent`). */
  exportId: IdSchema,
  /** Position of this chunk, from 0. */
  chunk: z.number().int().nonnegative(),
  /** How many chunks the send has (as in its `budget.sent`). */
  chunkCount: z.number().int().positive(),
  /** The lines, in budget order. */
  lines: z.array(SnapshotLineSchema).max(SEND_LINES_PER_CHUNK),
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
  /**
   * What the import does to the budget's lines: an initial import into the budget overwrites them
   * or keeps them and adds the ERP ones; a re-import (also when absent) replaces them.
   */
  mode: z.enum(['initial_overwrite', 'initial_keep_and_add', 'reimport']).optional(),
  /**
   * The digest of the ERP budget the user previewed (the connector's `GET /erp/projects/:projectId/erp-budget`):
   * the import applies only that ERP budget and fails with `erp_changed` when the ERP holds another one by then.
   */
  erpDigest: z.string().min(1).max(200).optional(),
  /** Who asked. */
  requestedBy: UserRefSchema,
  /** When. */
  requestedAt: InstantSchema,
});
