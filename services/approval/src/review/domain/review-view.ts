import { fromCents, toCents } from '@budget-erp/money';
import type { ExportStatus } from '@budget-erp/contracts';
import {
  type BudgetReview,
  type ErpLine,
  type ErpStatus,
  type ExportKind,
  type ImportRecord,
  type Person,
  type RevisionFields,
  type SendSummary,
  type SentExport,
  type SnapshotLine,
  currentExport,
  erpStatusOf,
  exportLifecycleOf,
  lastSuccessfulImport,
  lastSyncedExport,
  lifecycleFactsOf,
  linesReady,
  originOf,
  sendsLandedAfterGivenUp,
} from './budget-review';

export type DiffChange = 'added' | 'changed' | 'removed' | 'unchanged';

/**
 * One line of the review: its original, changes and revised amounts (a revision shows what it moves
 * from the ERP's figures) and how it differs from what was last synced. Lines of the last synced
 * export that the budget no longer has come last, as `removed`.
 */
export interface ReviewLine {
  change: DiffChange;
  lineId: string;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  original: string;
  changes: string;
  revised: string;
  /** What the ERP holds; null when the line was never synced. */
  syncedAmount: string | null;
  /** What would be exported; null when the line was removed. */
  amount: string | null;
  difference: string;
}

export interface ReimportFigures {
  erpTotal: string;
  platformTotal: string;
  platformTotalAfterReimport: string;
}

/** A send the ERP holds although the platform had given up on it: the approver must know. */
export interface LandedAfterGivenUp {
  exportId: string;
  sentAt: string;
  exportStatus: ExportStatus;
  erpReference: string | null;
  landedAt: string | null;
  /** What was given up first: rejected, retrieved, timed out or superseded by a later send. */
  givenUp: { rejected: boolean; retrieved: boolean; timedOut: boolean; superseded: boolean };
}

export interface ReviewView {
  budgetId: string;
  projectId: string;
  name: string | null;
  origin: 'platform' | 'erp';
  erpStatus: ErpStatus;
  /** Where the latest send stands in the export lifecycle; null when never sent. */
  exportStatus: ExportStatus | null;
  erpSystem: string | null;
  jobNumber: string | null;
  exportId: string | null;
  kind: ExportKind | null;
  sentAt: string | null;
  sentBy: Person | null;
  /** Lines of the latest send (paged apart, see the lines route). */
  lineCount: number;
  /** Every line of the latest send has arrived and matched its digest: it can be reviewed and decided. */
  linesReady: boolean;
  /** What the approver decided on the current send, if anything. */
  decision:
    | { decision: 'accepted'; by: Person; at: string; description: string | null; revision: RevisionFields | null }
    | { decision: 'rejected'; by: Person; at: string; reason: string }
    | null;
  totals: { original: string; changes: string; revised: string };
  failure: { reasonCode: string; message: string; failedAt: string } | null;
  landedAfterGivenUp: LandedAfterGivenUp[];
  reimport: ReimportFigures | null;
}

/** The lines a computation needs, loaded by the caller: a send's (by export id) and an import's ERP lines (by import id). */
export interface LoadedLines {
  sends: ReadonlyMap<string, readonly SnapshotLine[]>;
  imports: ReadonlyMap<string, readonly ErpLine[]>;
}

/** Whose lines a computation reads: sends and imports, by id. */
export interface LinesRead {
  sends: string[];
  imports: string[];
}

function linesOf<T>(loaded: ReadonlyMap<string, readonly T[]>, id: string, what: string): readonly T[] {
  const lines = loaded.get(id);
  if (!lines) throw new Error(`the lines of ${what} ${id} were not loaded`);
  return lines;
}

const ZERO = '0.00';
const sum = (amounts: readonly string[]) => fromCents(amounts.reduce((acc, a) => acc + toCents(a), 0n));

/** A line of the latest send as the approver reviews it. */
export function reviewLine(line: SnapshotLine, kind: ExportKind): ReviewLine {
  const original = toCents(kind === 'original' ? line.amount : (line.syncedAmount ?? ZERO));
  const amount = toCents(line.amount);
  const synced = line.syncedAmount === null ? null : toCents(line.syncedAmount);
  return {
    change: synced === null ? 'added' : synced === amount ? 'unchanged' : 'changed',
    lineId: line.lineId,
    costCode: line.costCode,
    costType: line.costType,
    subJob: line.subJob,
    description: line.description,
    original: fromCents(original),
    changes: fromCents(amount - original),
    revised: fromCents(amount),
    syncedAmount: synced === null ? null : fromCents(synced),
    amount: fromCents(amount),
    difference: fromCents(amount - (synced ?? 0n)),
  };
}

/** A line the ERP holds from the last synced export that the latest send no longer has. */
export function removedLine(line: SnapshotLine): ReviewLine {
  const held = toCents(line.amount);
  return {
    change: 'removed',
    lineId: line.lineId,
    costCode: line.costCode,
    costType: line.costType,
    subJob: line.subJob,
    description: line.description,
    original: fromCents(held),
    changes: fromCents(-held),
    revised: ZERO,
    syncedAmount: fromCents(held),
    amount: null,
    difference: fromCents(-held),
  };
}

/** The sends whose lines the review pages through: the latest, and the last synced one when another. */
export function reviewedSends(state: BudgetReview): { current: SentExport; lastSynced: SentExport | null } | null {
  const current = currentExport(state);
  if (!current) return null;
  const lastSynced = lastSyncedExport(state);
  return { current, lastSynced: lastSynced && lastSynced.exportId !== current.exportId ? lastSynced : null };
}

/** Original, changes and revised totals of the latest send, from its summary. */
export function totalsOf(summary: SendSummary): ReviewView['totals'] {
  const original = summary.kind === 'original' ? summary.total : summary.syncedTotal;
  return {
    original: fromCents(toCents(original)),
    changes: fromCents(toCents(summary.total) - toCents(original)),
    revised: fromCents(toCents(summary.total)),
  };
}

type LineKeyed = { costCode: string; costType: string | null; subJob: string | null; amount: string };
const lineKey = (l: LineKeyed) => JSON.stringify([l.costCode, l.costType ?? null, l.subJob ?? null]);

/**
 * The lines once the ERP's amounts replace the platform's: matching lines (same cost code, cost
 * type and sub job) take the ERP amount, lines only the ERP has are added, lines only the platform
 * has keep their amount.
 */
export function linesAfterReimport(platformLines: readonly LineKeyed[], erpLines: readonly ErpLine[]): LineKeyed[] {
  const erp = new Map<string, ErpLine[]>();
  for (const line of erpLines) erp.set(lineKey(line), [...(erp.get(lineKey(line)) ?? []), line]);
  const taken = new Set<string>();
  const result: LineKeyed[] = [];
  for (const line of platformLines) {
    const key = lineKey(line);
    const fromErp = erp.get(key);
    if (!fromErp) result.push(line);
    else if (!taken.has(key)) {
      taken.add(key);
      result.push(...fromErp);
    }
  }
  for (const [key, lines] of erp) if (!taken.has(key)) result.push(...lines);
  return result;
}

export function totalAfterReimport(platformLines: readonly LineKeyed[], erpLines: readonly ErpLine[]): string {
  return sum(linesAfterReimport(platformLines, erpLines).map((l) => l.amount));
}

/** The successful re-imports after the latest send, oldest first. */
function importsAfterCurrentSend(state: BudgetReview): (ImportRecord & { imported: NonNullable<ImportRecord['imported']> })[] {
  const current = currentExport(state);
  const since = current ? Date.parse(current.sent.at) : Number.NEGATIVE_INFINITY;
  return Object.values(state.imports)
    .filter((i): i is ImportRecord & { imported: NonNullable<ImportRecord['imported']> } => i.imported !== undefined)
    .filter((i) => Date.parse(i.imported.at) > since)
    .sort((a, b) => Date.parse(a.imported.at) - Date.parse(b.imported.at) || (a.importId < b.importId ? -1 : 1));
}

/** The platform's lines as last known: the latest send, with every later successful re-import applied. */
export function platformLinesOf(state: BudgetReview, lines: LoadedLines): LineKeyed[] {
  const current = currentExport(state);
  return importsAfterCurrentSend(state).reduce<LineKeyed[]>(
    (platform, i) => linesAfterReimport(platform, linesOf(lines.imports, i.importId, 'import')),
    current ? [...linesOf(lines.sends, current.exportId, 'export')] : [],
  );
}

/**
 * The platform's total as last known. Without a later re-import it is the latest send's total (the
 * sum of its lines, as the budget service computed it), so it needs none of the send's lines.
 */
export function platformTotalOf(state: BudgetReview, lines: LoadedLines): string {
  const current = currentExport(state);
  if (current && importsAfterCurrentSend(state).length === 0) return current.sent.summary.total;
  return sum(platformLinesOf(state, lines).map((l) => l.amount));
}

/**
 * The lines `platformTotalOf` reads: none when no re-import followed the latest send; else the
 * re-imports after it (every one, for a budget never sent) and that send's.
 */
export function linesTheTotalReads(state: BudgetReview): LinesRead {
  const current = currentExport(state);
  const later = importsAfterCurrentSend(state).map((i) => i.importId);
  if (current && later.length === 0) return { sends: [], imports: [] };
  return { sends: current ? [current.exportId] : [], imports: later };
}

/**
 * The lines `reviewView` reads: none unless it shows re-import figures; then the latest and last
 * synced sends', the re-imports after the latest send and the last successful one.
 */
export function linesTheViewReads(state: BudgetReview): LinesRead {
  if (!offersReimport(state)) return { sends: [], imports: [] };
  const ids = (values: (string | undefined)[]) => [...new Set(values.filter((id): id is string => id !== undefined))];
  return {
    sends: ids([currentExport(state)?.exportId, lastSyncedExport(state)?.exportId]),
    imports: ids([...importsAfterCurrentSend(state).map((i) => i.importId), lastSuccessfulImport(state)?.importId]),
  };
}

/** Re-import figures are shown for ERP-origin budgets that are synced. */
function offersReimport(state: BudgetReview): boolean {
  const status = erpStatusOf(state);
  return originOf(state) === 'erp' && (status === 'synced' || status === 'importing');
}

/** Re-import figures, for ERP-origin budgets that are synced. */
export function reimportFigures(state: BudgetReview, lines: LoadedLines): ReimportFigures | null {
  if (!offersReimport(state)) return null;
  const imported = lastSuccessfulImport(state);
  const synced = lastSyncedExport(state);
  const importIsNewer = imported && (!synced || Date.parse(imported.imported.at) > Date.parse(synced.posted!.at));
  const erpLines: readonly ErpLine[] = importIsNewer
    ? linesOf(lines.imports, imported.importId, 'import')
    : synced
      ? linesOf(lines.sends, synced.exportId, 'export').map(({ costCode, costType, subJob, description, amount }) => ({
          costCode,
          costType,
          subJob,
          description,
          amount,
        }))
      : [];
  const platformLines = platformLinesOf(state, lines);
  return {
    erpTotal: sum(erpLines.map((l) => l.amount)),
    platformTotal: sum(platformLines.map((l) => l.amount)),
    platformTotalAfterReimport: totalAfterReimport(platformLines, erpLines),
  };
}

function landedAfterGivenUp(state: BudgetReview): LandedAfterGivenUp[] {
  return sendsLandedAfterGivenUp(state).map((send) => {
    const facts = lifecycleFactsOf(state, send);
    return {
      exportId: send.exportId,
      sentAt: send.sent.at,
      exportStatus: exportLifecycleOf(state, send.exportId).status,
      erpReference: send.succeeded?.erpReference ?? null,
      landedAt: send.succeeded?.at ?? send.posted?.at ?? null,
      givenUp: {
        rejected: facts.includes('rejected'),
        retrieved: facts.includes('retrieved'),
        timedOut: facts.includes('timed_out'),
        superseded: facts.includes('superseded'),
      },
    };
  });
}

/** The review of a budget; its lines are paged apart (`reviewLine`, `removedLine`). */
export function reviewView(state: BudgetReview, lines: LoadedLines): ReviewView {
  const current = currentExport(state);
  const summary = current?.sent.summary;
  const lifecycle = current ? exportLifecycleOf(state, current.exportId) : null;
  // An export the ERP lost after it succeeded is failed too: its failure names why (erp_record_missing).
  const failed = current && (!current.succeeded || lifecycle?.status === 'failed_to_export') ? (current.failed ?? current.timedOut) : undefined;
  return {
    budgetId: state.budgetId,
    projectId: state.projectId,
    name: summary?.name ?? null,
    origin: originOf(state),
    erpStatus: erpStatusOf(state),
    exportStatus: lifecycle ? lifecycle.status : null,
    erpSystem: summary?.erpSystem ?? null,
    jobNumber: summary?.jobNumber ?? null,
    exportId: current?.exportId ?? null,
    kind: summary?.kind ?? null,
    sentAt: current?.sent.at ?? null,
    sentBy: current?.sent.sentBy ?? null,
    lineCount: summary?.lineCount ?? 0,
    linesReady: linesReady(state),
    decision: current?.rejected
      ? { decision: 'rejected', ...current.rejected }
      : current?.accepted
        ? { decision: 'accepted', ...current.accepted }
        : null,
    totals: summary ? totalsOf(summary) : { original: ZERO, changes: ZERO, revised: ZERO },
    failure: failed ? { reasonCode: failed.reasonCode, message: failed.message, failedAt: failed.at } : null,
    landedAfterGivenUp: landedAfterGivenUp(state),
    reimport: reimportFigures(state, lines),
  };
}
