import { fromCents, toCents } from '@budget-erp/money';
import {
  type BudgetReview,
  type ErpLine,
  type ErpStatus,
  type ImportRecord,
  type Person,
  type RevisionFields,
  type ExportKind,
  type SnapshotLine,
  currentExport,
  erpStatusOf,
  lastSuccessfulImport,
  lastSyncedExport,
  originOf,
} from './budget-review';

export interface ReviewLine {
  lineId: string;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  original: string;
  changes: string;
  revised: string;
}

export type DiffChange = 'added' | 'changed' | 'removed' | 'unchanged';

export interface DiffLine {
  change: DiffChange;
  lineId: string | null;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
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

export interface ReviewView {
  budgetId: string;
  projectId: string;
  name: string | null;
  origin: 'platform' | 'erp';
  erpStatus: ErpStatus;
  erpSystem: string | null;
  jobNumber: string | null;
  exportId: string | null;
  kind: ExportKind | null;
  sentAt: string | null;
  sentBy: Person | null;
  /** What the approver decided on the current send, if anything. */
  decision:
    | { decision: 'accepted'; by: Person; at: string; description: string | null; revision: RevisionFields | null }
    | { decision: 'rejected'; by: Person; at: string; reason: string }
    | null;
  lines: ReviewLine[];
  totals: { original: string; changes: string; revised: string };
  failure: { reasonCode: string; message: string; failedAt: string } | null;
  diff: DiffLine[];
  reimport: ReimportFigures | null;
}

const ZERO = '0.00';
const sum = (amounts: string[]) => fromCents(amounts.reduce((acc, a) => acc + toCents(a), 0n));

/** Original, changes and revised amounts of a line: a revision shows what it moves from the ERP's figures. */
export function reviewLine(line: SnapshotLine, kind: ExportKind): ReviewLine {
  const original = kind === 'original' ? line.amount : (line.syncedAmount ?? ZERO);
  return {
    lineId: line.lineId,
    costCode: line.costCode,
    costType: line.costType,
    subJob: line.subJob,
    description: line.description,
    original: fromCents(toCents(original)),
    changes: fromCents(toCents(line.amount) - toCents(original)),
    revised: fromCents(toCents(line.amount)),
  };
}

/**
 * Line by line, what the export changes in the ERP. Lines the ERP holds from the last synced export
 * but the budget no longer has show as removed.
 */
export function diffAgainstSynced(lines: SnapshotLine[], lastSynced: SnapshotLine[] | null): DiffLine[] {
  const current = new Set(lines.map((l) => l.lineId));
  const diff: DiffLine[] = lines.map((line) => {
    const amount = toCents(line.amount);
    const synced = line.syncedAmount === null ? null : toCents(line.syncedAmount);
    const change: DiffChange = synced === null ? 'added' : synced === amount ? 'unchanged' : 'changed';
    return {
      change,
      lineId: line.lineId,
      costCode: line.costCode,
      costType: line.costType,
      subJob: line.subJob,
      description: line.description,
      syncedAmount: synced === null ? null : fromCents(synced),
      amount: fromCents(amount),
      difference: fromCents(amount - (synced ?? 0n)),
    };
  });
  for (const line of lastSynced ?? []) {
    if (current.has(line.lineId)) continue;
    diff.push({
      change: 'removed',
      lineId: line.lineId,
      costCode: line.costCode,
      costType: line.costType,
      subJob: line.subJob,
      description: line.description,
      syncedAmount: fromCents(toCents(line.amount)),
      amount: null,
      difference: fromCents(-toCents(line.amount)),
    });
  }
  return diff;
}

type LineKeyed = { costCode: string; costType: string | null; subJob: string | null; amount: string };
const lineKey = (l: LineKeyed) => JSON.stringify([l.costCode, l.costType ?? null, l.subJob ?? null]);

/**
 * The lines once the ERP's amounts replace the platform's: matching lines (same cost code, cost
 * type and sub job) take the ERP amount, lines only the ERP has are added, lines only the platform
 * has keep their amount.
 */
export function linesAfterReimport(platformLines: LineKeyed[], erpLines: ErpLine[]): LineKeyed[] {
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

export function totalAfterReimport(platformLines: LineKeyed[], erpLines: ErpLine[]): string {
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
export function platformLinesOf(state: BudgetReview): LineKeyed[] {
  return importsAfterCurrentSend(state).reduce<LineKeyed[]>(
    (lines, i) => linesAfterReimport(lines, i.imported.lines),
    currentExport(state)?.sent.snapshot.lines ?? [],
  );
}

/**
 * The platform's total as last known. Without a later re-import it is the latest send's total (the
 * sum of its lines, as the budget service computed it), so it needs none of the send's lines.
 */
export function platformTotalOf(state: BudgetReview): string {
  const current = currentExport(state);
  if (current && importsAfterCurrentSend(state).length === 0) return current.sent.snapshot.total;
  return sum(platformLinesOf(state).map((l) => l.amount));
}

/** Whose lines a computation reads: sends (their snapshot lines) and imports (the ERP lines they brought), by id. */
export interface LinesRead {
  sends: string[];
  imports: string[];
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

/** The lines `reviewView` reads: the latest and last synced sends', the re-imports after the latest send and the last successful one. */
export function linesTheViewReads(state: BudgetReview): LinesRead {
  const ids = (values: (string | undefined)[]) => [...new Set(values.filter((id): id is string => id !== undefined))];
  return {
    sends: ids([currentExport(state)?.exportId, lastSyncedExport(state)?.exportId]),
    imports: ids([...importsAfterCurrentSend(state).map((i) => i.importId), lastSuccessfulImport(state)?.importId]),
  };
}

/** Re-import figures, for ERP-origin budgets that are synced. */
export function reimportFigures(state: BudgetReview): ReimportFigures | null {
  const status = erpStatusOf(state);
  if (originOf(state) !== 'erp' || (status !== 'synced' && status !== 'importing')) return null;
  const imported = lastSuccessfulImport(state);
  const synced = lastSyncedExport(state);
  const importIsNewer = imported && (!synced || Date.parse(imported.imported.at) > Date.parse(synced.posted!.at));
  const erpLines: ErpLine[] = importIsNewer
    ? imported.imported.lines
    : (synced?.sent.snapshot.lines ?? []).map(({ costCode, costType, subJob, description, amount }) => ({
        costCode,
        costType,
        subJob,
        description,
        amount,
      }));
  const platformLines = platformLinesOf(state);
  return {
    erpTotal: sum(erpLines.map((l) => l.amount)),
    platformTotal: sum(platformLines.map((l) => l.amount)),
    platformTotalAfterReimport: totalAfterReimport(platformLines, erpLines),
  };
}

export function reviewView(state: BudgetReview): ReviewView {
  const current = currentExport(state);
  const kind = current?.sent.snapshot.kind ?? null;
  const lines = current ? current.sent.snapshot.lines.map((l) => reviewLine(l, current.sent.snapshot.kind)) : [];
  const lastSynced = lastSyncedExport(state);
  const previousSynced = lastSynced && lastSynced.exportId !== current?.exportId ? lastSynced.sent.snapshot.lines : null;
  const failed = current?.failed && !current.succeeded ? current.failed : undefined;
  return {
    budgetId: state.budgetId,
    projectId: state.projectId,
    name: current?.sent.snapshot.name ?? null,
    origin: originOf(state),
    erpStatus: erpStatusOf(state),
    erpSystem: current?.sent.snapshot.erpSystem ?? null,
    jobNumber: current?.sent.snapshot.jobNumber ?? null,
    exportId: current?.exportId ?? null,
    kind,
    sentAt: current?.sent.at ?? null,
    sentBy: current?.sent.sentBy ?? null,
    decision: current?.rejected
      ? { decision: 'rejected', ...current.rejected }
      : current?.accepted
        ? { decision: 'accepted', ...current.accepted }
        : null,
    lines,
    totals: {
      original: sum(lines.map((l) => l.original)),
      changes: sum(lines.map((l) => l.changes)),
      revised: sum(lines.map((l) => l.revised)),
    },
    failure: failed ? { reasonCode: failed.reasonCode, message: failed.message, failedAt: failed.at } : null,
    diff: current ? diffAgainstSynced(current.sent.snapshot.lines, previousSynced) : [],
    reimport: reimportFigures(state),
  };
}
