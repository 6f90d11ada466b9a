/**
 * The approver's read model of one budget, built from the facts other services publish about it.
 *
 * Facts arrive from several topics with no order between them and may be redelivered, so the
 * state is a set of facts per export (and per import) where each slot is filled once; the status
 * is derived from those facts, never stored as a settable value. Applying the same facts in any
 * order, any number of times, yields the same state.
 */

import { type ExportFact, type ExportStatusView, type ExportStatus, exportStatusOf } from '@budget-erp/contracts';

export interface Person {
  userId: string;
  name: string;
  email: string;
}

export type ExportKind = 'original' | 'revision';
export type BudgetOrigin = 'platform' | 'erp';

export interface SnapshotLine {
  lineId: string;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  amount: string;
  /** What the ERP holds for this line; null when never synced. */
  syncedAmount: string | null;
}

/**
 * What `budget.sent` tells of a send. Its lines arrive apart, in chunks (`budget.sent.lines`), and
 * are stored as they arrive, never in the review.
 */
export interface SendSummary {
  name: string;
  origin: BudgetOrigin;
  kind: ExportKind;
  erpSystem: string;
  jobNumber: string;
  total: string;
  syncedTotal: string;
  modificationIds: string[];
  lineCount: number;
  chunkCount: number;
  /** sha256 of the lines in order; null for sends recorded before the lines came in chunks. */
  linesDigest: string | null;
}

export interface ErpLine {
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  amount: string;
}

export type RevisionType = 'scope_change' | 'budget_transfer' | 'contingency';
export type RevisionStatus = 'approved' | 'pending' | 'forecasted' | 'rejected';

export interface RevisionFields {
  type: RevisionType;
  date: string;
  number: number;
  status: RevisionStatus;
  approvedBy: string;
}

export type ReviewFact =
  | { type: 'sent'; exportId: string; at: string; sentBy: Person; createdBy: Person; summary: SendSummary }
  /** Every chunk of the send's lines is stored and they match the summary's count and digest. */
  | { type: 'lines_received'; exportId: string }
  | { type: 'retrieved'; exportId: string; at: string; by: Person }
  | {
      type: 'accepted';
      exportId: string;
      at: string;
      by: Person;
      description: string | null;
      revision: RevisionFields | null;
    }
  | { type: 'rejected'; exportId: string; at: string; by: Person; reason: string }
  | { type: 'export_succeeded'; exportId: string; at: string; erpReference: string; total: string }
  | { type: 'export_failed'; exportId: string; at: string; reasonCode: string; message: string }
  | { type: 'timed_out'; exportId: string; at: string; reasonCode: string; message: string }
  | { type: 'posted'; exportId: string; at: string; total: string }
  | { type: 'import_requested'; importId: string; at: string; by: Person }
  /** An import's ERP lines are stored apart; the fact carries their digest, so reports compare without them. */
  | { type: 'imported'; importId: string; at: string; total: string; linesDigest: string }
  | { type: 'import_failed'; importId: string; at: string; reasonCode: string; message: string };

export interface ExportRecord {
  exportId: string;
  sent?: { at: string; sentBy: Person; createdBy: Person; summary: SendSummary };
  linesReceived?: true;
  retrieved?: { at: string; by: Person };
  accepted?: { at: string; by: Person; description: string | null; revision: RevisionFields | null };
  rejected?: { at: string; by: Person; reason: string };
  succeeded?: { at: string; erpReference: string; total: string };
  failed?: { at: string; reasonCode: string; message: string };
  timedOut?: { at: string; reasonCode: string; message: string };
  posted?: { at: string; total: string };
}

export interface ImportRecord {
  importId: string;
  requested?: { at: string; by: Person };
  imported?: { at: string; total: string; linesDigest: string };
  failed?: { at: string; reasonCode: string; message: string };
}

export interface BudgetReview {
  budgetId: string;
  companyId: string;
  projectId: string;
  exports: Record<string, ExportRecord>;
  imports: Record<string, ImportRecord>;
}

export type ErpStatus =
  | 'not_sent'
  | 'awaiting_acceptance'
  | 'exporting'
  | 'failed_to_export'
  | 'awaiting_posting'
  | 'synced'
  | 'importing';

export type ListFilter = 'ready_to_export' | 'failed_to_export' | 'synced' | 'ready_to_import' | 'out_of_sync';
export const LIST_FILTERS: readonly ListFilter[] = ['ready_to_export', 'failed_to_export', 'synced', 'ready_to_import', 'out_of_sync'];

export function emptyReview(budgetId: string, companyId: string, projectId: string): BudgetReview {
  return { budgetId, companyId, projectId, exports: {}, imports: {} };
}

const time = (iso: string): number => Date.parse(iso);

/** Fills a slot once; a later duplicate, however it differs, leaves the first fact in place. */
function fillOnce<T>(current: T | undefined, next: T): T {
  return current ?? next;
}

/**
 * For facts that may be reported more than once with different content, the latest report wins;
 * two reports of the same time are told apart by their content, compared in a form that does not
 * depend on key order (a stored report comes back from jsonb with its keys reordered).
 */
function latest<T extends { at: string }>(current: T | undefined, next: T): T {
  if (!current) return next;
  const d = time(next.at) - time(current.at);
  if (d !== 0) return d > 0 ? next : current;
  return canonicalJson(next) > canonicalJson(current) ? next : current;
}

/** JSON with every object's keys sorted (and undefined members left out, as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function evolve(state: BudgetReview, fact: ReviewFact): BudgetReview {
  switch (fact.type) {
    case 'sent':
    case 'lines_received':
    case 'retrieved':
    case 'accepted':
    case 'rejected':
    case 'export_succeeded':
    case 'export_failed':
    case 'timed_out':
    case 'posted': {
      const record = state.exports[fact.exportId] ?? { exportId: fact.exportId };
      return { ...state, exports: { ...state.exports, [fact.exportId]: evolveExport(record, fact) } };
    }
    case 'import_requested':
    case 'imported':
    case 'import_failed': {
      const record = state.imports[fact.importId] ?? { importId: fact.importId };
      return { ...state, imports: { ...state.imports, [fact.importId]: evolveImport(record, fact) } };
    }
    default:
      return assertNever(fact);
  }
}

type ExportReviewFact = Extract<ReviewFact, { exportId: string }>;
type ImportFact = Extract<ReviewFact, { importId: string }>;

function evolveExport(record: ExportRecord, fact: ExportReviewFact): ExportRecord {
  switch (fact.type) {
    case 'sent':
      return {
        ...record,
        sent: fillOnce(record.sent, { at: fact.at, sentBy: fact.sentBy, createdBy: fact.createdBy, summary: fact.summary }),
      };
    case 'lines_received':
      return { ...record, linesReceived: true };
    case 'retrieved':
      return { ...record, retrieved: fillOnce(record.retrieved, { at: fact.at, by: fact.by }) };
    case 'accepted':
      return {
        ...record,
        accepted: fillOnce(record.accepted, {
          at: fact.at,
          by: fact.by,
          description: fact.description,
          revision: fact.revision,
        }),
      };
    case 'rejected':
      return { ...record, rejected: fillOnce(record.rejected, { at: fact.at, by: fact.by, reason: fact.reason }) };
    case 'export_succeeded':
      return {
        ...record,
        succeeded: latest(record.succeeded, { at: fact.at, erpReference: fact.erpReference, total: fact.total }),
      };
    case 'export_failed':
      return {
        ...record,
        failed: latest(record.failed, { at: fact.at, reasonCode: fact.reasonCode, message: fact.message }),
      };
    case 'timed_out':
      return {
        ...record,
        timedOut: latest(record.timedOut, { at: fact.at, reasonCode: fact.reasonCode, message: fact.message }),
      };
    case 'posted':
      return { ...record, posted: latest(record.posted, { at: fact.at, total: fact.total }) };
    default:
      return assertNever(fact);
  }
}

function evolveImport(record: ImportRecord, fact: ImportFact): ImportRecord {
  switch (fact.type) {
    case 'import_requested':
      return { ...record, requested: fillOnce(record.requested, { at: fact.at, by: fact.by }) };
    case 'imported':
      return { ...record, imported: latest(record.imported, { at: fact.at, total: fact.total, linesDigest: fact.linesDigest }) };
    case 'import_failed':
      return {
        ...record,
        failed: latest(record.failed, { at: fact.at, reasonCode: fact.reasonCode, message: fact.message }),
      };
    default:
      return assertNever(fact);
  }
}

export function evolveAll(state: BudgetReview, facts: readonly ReviewFact[]): BudgetReview {
  return facts.reduce(evolve, state);
}

export type SentExport = ExportRecord & { sent: NonNullable<ExportRecord['sent']> };

function bySendTime(a: SentExport, b: SentExport): number {
  return time(a.sent.at) - time(b.sent.at) || (a.exportId < b.exportId ? -1 : a.exportId > b.exportId ? 1 : 0);
}

export function sentExports(state: BudgetReview): SentExport[] {
  return Object.values(state.exports)
    .filter((e): e is SentExport => e.sent !== undefined)
    .sort(bySendTime);
}

/** The latest send of the budget: the one an approver acts on. */
export function currentExport(state: BudgetReview): SentExport | undefined {
  const sends = sentExports(state);
  return sends[sends.length - 1];
}

/** The latest export whose entries are posted in the ERP. */
export function lastSyncedExport(state: BudgetReview): SentExport | undefined {
  return sentExports(state)
    .filter((e) => e.posted)
    .pop();
}

function importTime(record: ImportRecord): number {
  const at = record.requested?.at ?? record.imported?.at ?? record.failed?.at;
  return at ? time(at) : Number.NEGATIVE_INFINITY;
}

/** The latest import of the budget by the time it was asked for. */
export function latestImport(state: BudgetReview): ImportRecord | undefined {
  return Object.values(state.imports)
    .sort((a, b) => importTime(a) - importTime(b) || (a.importId < b.importId ? -1 : 1))
    .pop();
}

export function lastSuccessfulImport(state: BudgetReview): (ImportRecord & { imported: NonNullable<ImportRecord['imported']> }) | undefined {
  return Object.values(state.imports)
    .filter((i): i is ImportRecord & { imported: NonNullable<ImportRecord['imported']> } => i.imported !== undefined)
    .sort((a, b) => time(a.imported.at) - time(b.imported.at) || (a.importId < b.importId ? -1 : 1))
    .pop();
}

/** A later send of the same budget is known: the record's send is superseded. */
function newerSendKnown(state: BudgetReview, record: ExportRecord): boolean {
  if (!record.sent) return false;
  const sends = sentExports(state);
  return sends[sends.length - 1].exportId !== record.exportId;
}

/**
 * The facts of the export lifecycle (defined once, in the contracts) known about one export. Its
 * send counts as a fact only once every line has arrived and matched the summary: before that
 * there is nothing an approver could review.
 */
export function lifecycleFactsOf(state: BudgetReview, record: ExportRecord): ExportFact[] {
  const facts: ExportFact[] = [];
  if (record.sent && record.linesReceived) facts.push('sent');
  if (record.retrieved) facts.push('retrieved');
  if (record.accepted) facts.push('accepted');
  if (record.rejected) facts.push('rejected');
  if (record.succeeded) facts.push('succeeded');
  if (record.failed) facts.push('failed');
  // The ERP lost the export after it succeeded (its record is missing or someone else's): not a posting.
  if (record.failed?.reasonCode === 'erp_record_missing') facts.push('lost');
  if (record.timedOut) facts.push('timed_out');
  if (record.posted) facts.push('posted');
  if (newerSendKnown(state, record)) facts.push('superseded');
  return facts;
}

/** Where an export stands and whether it landed in the ERP after the platform had given up on it. */
export function exportLifecycleOf(state: BudgetReview, exportId: string): ExportStatusView {
  const record = state.exports[exportId] ?? { exportId };
  return exportStatusOf(lifecycleFactsOf(state, record));
}

/** The budget's `erpStatus` while an export is its latest send. */
export function erpStatusOfExport(status: ExportStatus): ErpStatus {
  switch (status) {
    case 'awaiting_acceptance':
    case 'exporting':
    case 'failed_to_export':
    case 'awaiting_posting':
    case 'synced':
      return status;
    case 'rejected':
    case 'retrieved':
    case 'superseded':
      return 'not_sent';
    default:
      return assertNever(status);
  }
}

/** The latest send's lines have all arrived and matched the summary: the approver can review it. */
export function linesReady(state: BudgetReview): boolean {
  return currentExport(state)?.linesReceived === true;
}

export function erpStatusOf(state: BudgetReview): ErpStatus {
  const current = currentExport(state);
  const exportStatus = (send: SentExport) => erpStatusOfExport(exportLifecycleOf(state, send.exportId).status);
  const lastImport = latestImport(state);
  const importIsLatest = lastImport && (!current || importTime(lastImport) > time(current.sent.at));
  if (importIsLatest) {
    if (lastImport.imported) return 'synced';
    if (!lastImport.failed) return 'importing';
    // A failed re-import leaves the budget as it was before.
    if (current) return exportStatus(current);
    return lastSuccessfulImport(state) ? 'synced' : 'not_sent';
  }
  return current ? exportStatus(current) : 'not_sent';
}

/**
 * Sends the ERP holds although the platform had given up on them: landed after they were
 * rejected, retrieved or timed out. A newer send alone is no reason to tell the approver, since
 * every revision supersedes its posted original (as notification's late-landing mail has it).
 */
export function sendsLandedAfterGivenUp(state: BudgetReview): SentExport[] {
  return sentExports(state).filter(
    (send) => exportLifecycleOf(state, send.exportId).landedAfterGivenUp && Boolean(send.rejected || send.retrieved || send.timedOut),
  );
}

export function originOf(state: BudgetReview): BudgetOrigin {
  const current = currentExport(state);
  if (current) return current.sent.summary.origin;
  return Object.keys(state.imports).length > 0 ? 'erp' : 'platform';
}

/** The ERP Integrations list a budget shows under, if any: awaiting acceptance only once its lines can be reviewed. */
export function listFilterOf(state: BudgetReview): Exclude<ListFilter, 'ready_to_import' | 'out_of_sync'> | null {
  const status = erpStatusOf(state);
  switch (status) {
    case 'awaiting_acceptance':
      return linesReady(state) ? 'ready_to_export' : null;
    case 'failed_to_export':
      return 'failed_to_export';
    case 'synced':
    case 'importing':
      return 'synced';
    case 'not_sent':
    case 'exporting':
    case 'awaiting_posting':
      return null;
    default:
      return assertNever(status);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
