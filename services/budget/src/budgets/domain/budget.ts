import type { ExportStatus } from '@budget-erp/contracts';
import { addAmounts, fromCents, toCents, normalizeAmount } from '@budget-erp/money';
import { DomainError, domainError } from './budget.errors';
import { ErpContext, ErpSystem, erpName } from './erp-system';
import { erpReadiness, erpReadinessOf, LinesFacts, nothingChanged, ReadinessReason } from './erp-readiness';

export type Origin = 'platform' | 'erp';

export interface UserRef {
  userId: string;
  name: string;
  email: string;
}

export interface BudgetLine {
  id: string;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  amount: string;
}

export interface ModificationChange {
  /** The line the money moves to or from; null adds a new cost code line. */
  lineId: string | null;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  /** Signed amount added to the line. */
  amount: string;
}

export interface Modification {
  id: string;
  description: string | null;
  status: 'draft' | 'approved';
  changes: ModificationChange[];
  /** The export that carries it while held; null when not sent. */
  sentIn: string | null;
  synced: boolean;
  createdBy: UserRef;
  createdAt: string;
}

/** A line as exported: the snapshot's line. */
export interface ExportLine {
  lineId: string;
  costCode: string;
  costType: string | null;
  subJob: string | null;
  description: string | null;
  amount: string;
  syncedAmount: string | null;
}

/** What a send exports, fixed at send time and stored once, keyed by its export id. */
export interface ExportSnapshot {
  name: string;
  origin: Origin;
  kind: 'original' | 'revision';
  erpSystem: ErpSystem;
  jobNumber: string;
  lines: ExportLine[];
  total: string;
  syncedTotal: string;
  modificationIds: string[];
}

/**
 * The export hold: the one export whose send or unposted entries keep the budget from changing.
 * It names the export; the export's lines are in its snapshot, never here.
 */
export interface ExportHold {
  exportId: string;
  erpSystem: ErpSystem;
  jobNumber: string;
  kind: 'original' | 'revision';
  modificationIds: string[];
  /** The state to return to when the send is retrieved, rejected or withdrawn. */
  statusBefore: 'not_sent' | 'synced';
  sentBy: UserRef;
  sentAt: string;
}

/** What an import does to the budget's lines: an initial import overwrites them or keeps them and adds the ERP ones; a re-import replaces them. */
export type ImportMode = 'initial_overwrite' | 'initial_keep_and_add' | 'reimport';

export interface ImportRun {
  importId: string;
  /** Absent on runs recorded before initial imports were requested here: a re-import. */
  mode?: ImportMode;
  /** The digest of the ERP budget the user previewed, when they did: only that ERP budget is applied. */
  erpDigest?: string;
  /** The state the budget returns to when the import ends. */
  resumeTo: 'not_sent' | 'synced';
  requestedBy: UserRef;
  requestedAt: string;
}

/** The outcome of the latest import, shown to the user; a record, not a state. */
export interface ImportResult {
  importId: string;
  outcome: 'succeeded' | 'failed';
  message: string;
  at: string;
}

// ---- the budget's ERP states: one type per state ------------------------------------------------

/** Never sent, or the last send was rejected or retrieved before anything reached the ERP. */
export interface NotSent {
  status: 'not_sent';
}
/** What the ERP holds is posted; the budget is free to change and be re-sent as a revision. */
export interface Synced {
  status: 'synced';
}
/** Sent; waits in the ERP Integrations tool for accounting. */
export interface AwaitingAcceptance {
  status: 'awaiting_acceptance';
  hold: ExportHold;
}
/** Accepted; the ERP connector is exporting it. */
export interface Exporting {
  status: 'exporting';
  hold: ExportHold;
}
/** The export failed or timed out; accounting must reject it before the budget can change. */
export interface FailedToExport {
  status: 'failed_to_export';
  hold: ExportHold;
}
/** The ERP holds the exported entries, unposted. */
export interface AwaitingPosting {
  status: 'awaiting_posting';
  hold: ExportHold;
}
/** A re-import from the ERP runs. */
export interface Importing {
  status: 'importing';
  run: ImportRun;
}

export type HeldState = AwaitingAcceptance | Exporting | FailedToExport | AwaitingPosting;
export type ErpState = NotSent | Synced | HeldState | Importing;
export type ErpStatus = ErpState['status'];
export type HeldStatus = HeldState['status'];

const notSent: NotSent = { status: 'not_sent' };
const syncedState: Synced = { status: 'synced' };

export function isHeld(erp: ErpState): erp is HeldState {
  switch (erp.status) {
    case 'awaiting_acceptance':
    case 'exporting':
    case 'failed_to_export':
    case 'awaiting_posting':
      return true;
    case 'not_sent':
    case 'synced':
    case 'importing':
      return false;
    default:
      return assertNever(erp);
  }
}

/** The export that holds the budget, or null. */
export const holdOf = (budget: Pick<Budget, 'erp'>): ExportHold | null => (isHeld(budget.erp) ? budget.erp.hold : null);

/** The free state a released hold returns to. */
const stateBefore = (hold: ExportHold): NotSent | Synced => (hold.statusBefore === 'synced' ? syncedState : notSent);

/** The export statuses the budget hears from its export saga: the platform's one export lifecycle's. */
export type ExportOutcome = ExportStatus;

/** An export whose entries reached the ERP: its hold and its lines, as sent. */
export interface Landing {
  hold: ExportHold;
  /**
   * The export's lines as sent; `'in_store'` when the budget was loaded without what the ERP holds
   * and the store moves it by the landing itself (`syncedLinesAfterLanding`'s rule in the database).
   */
  lines: ExportLine[] | 'in_store';
}

export interface Budget {
  status: 'present';
  id: string;
  companyId: string;
  projectId: string;
  name: string;
  origin: Origin;
  locked: boolean;
  erp: ErpState;
  lines: BudgetLine[];
  modifications: Modification[];
  /** What the ERP holds for this budget, line by line: the sum of every export that landed (empty until one did). */
  syncedLines: ExportLine[];
  /** Entries of this budget reached the ERP at least once. */
  exported: boolean;
  syncedAt: string | null;
  lastImport: ImportResult | null;
  createdBy: UserRef;
  createdAt: string;
}

export type BudgetState = { status: 'absent' } | Budget;

export const initialState: BudgetState = { status: 'absent' };

export type NewLine = Omit<BudgetLine, 'amount'> & { amount: string };

export type BudgetCommand =
  | {
      type: 'CreateBudget';
      budgetId: string;
      companyId: string;
      projectId: string;
      name: string;
      lines: NewLine[];
      createdBy: UserRef;
      at: string;
    }
  | { type: 'AddLine'; line: NewLine; at: string }
  | { type: 'UpdateLine'; lineId: string; changes: Partial<Omit<BudgetLine, 'id'>>; at: string }
  | { type: 'RemoveLine'; lineId: string; at: string }
  | { type: 'LockBudget'; by: UserRef; at: string }
  | { type: 'UnlockBudget'; by: UserRef; at: string; modifications?: 'preserve' | 'delete' }
  | { type: 'CreateModification'; modification: Omit<Modification, 'sentIn' | 'synced'>; at: string }
  | { type: 'ApproveModification'; modificationId: string; at: string }
  | { type: 'DeleteModification'; modificationId: string; at: string }
  | { type: 'SendToErp'; exportId: string; by: UserRef; at: string; erp: ErpContext }
  | { type: 'RetrieveFromErp'; by: UserRef; at: string }
  /** The platform takes back a send nobody can accept (e.g. its events can never be published), saying why. */
  | { type: 'WithdrawSend'; exportId: string; because: string; at: string }
  | {
      type: 'ApplyExportOutcome';
      exportId: string;
      outcome: ExportOutcome;
      at: string;
      /** Given once, when the export is first known to have reached the ERP (succeeded or posted). */
      landing?: Landing;
    }
  | { type: 'RequestReimport'; importId: string; by: UserRef; at: string; erp: ErpContext; erpDigest?: string }
  | { type: 'RequestInitialImport'; importId: string; mode: 'initial_overwrite' | 'initial_keep_and_add'; by: UserRef; at: string; erp: ErpContext; erpDigest?: string }
  | {
      type: 'CompleteImport';
      importId: string;
      mode: 'initial_overwrite' | 'initial_keep_and_add' | 'reimport';
      lines: NewLine[];
      at: string;
    }
  | { type: 'FailImport'; importId: string; message: string; at: string };

export type BudgetEvent =
  | {
      type: 'BudgetCreated';
      budgetId: string;
      companyId: string;
      projectId: string;
      name: string;
      origin: Origin;
      lines: BudgetLine[];
      createdBy: UserRef;
      at: string;
    }
  | { type: 'LineAdded'; line: BudgetLine; at: string }
  | { type: 'LineUpdated'; line: BudgetLine; at: string }
  | { type: 'LineRemoved'; lineId: string; at: string }
  | { type: 'BudgetLocked'; by: UserRef; at: string }
  | {
      type: 'BudgetUnlocked';
      by: UserRef | null;
      cause: 'user' | 'rejected';
      modifications: 'none' | 'preserved' | 'deleted';
      at: string;
    }
  | { type: 'ModificationCreated'; modification: Modification; at: string }
  | { type: 'ModificationApproved'; modificationId: string; at: string }
  | { type: 'ModificationDeleted'; modificationId: string; at: string }
  | {
      type: 'BudgetSent';
      hold: ExportHold;
      snapshot: ExportSnapshot;
      /**
       * Set when the lines were streamed into the stored snapshot as they were read (the service's
       * send): `snapshot.lines` is then empty and this says what was stored.
       */
      stored?: StoredLines;
      at: string;
    }
  | { type: 'BudgetRetrieved'; exportId: string; by: UserRef; at: string }
  | { type: 'ExportStatusChanged'; exportId: string; erpStatus: 'exporting' | 'failed_to_export' | 'awaiting_posting'; at: string }
  /**
   * An export reached the ERP: what the ERP holds grows by what it moved. `syncedLines` null: the
   * store applies `syncedLinesAfterLanding` to what it holds, from the export's stored lines.
   */
  | { type: 'ExportLanded'; exportId: string; syncedLines: ExportLine[] | null; at: string }
  /** An export the platform had given up on landed anyway: its entries hold the budget until posted. */
  | { type: 'ExportHoldRetaken'; hold: ExportHold; relocked: boolean; at: string }
  /**
   * A send computed against what the ERP held before an earlier export landed late: its amounts
   * would be wrong in the ERP, so the platform takes it back (as a retrieval) before it is exported.
   */
  | { type: 'SendWithdrawn'; exportId: string; because: string; at: string }
  /** The export that held the budget was retrieved or superseded elsewhere; the hold is released, the lock kept. */
  | { type: 'ExportReleased'; exportId: string; at: string }
  | { type: 'ExportRejected'; exportId: string; at: string }
  | { type: 'ExportPosted'; exportId: string; modificationIds: string[]; at: string }
  | { type: 'ReimportRequested'; run: ImportRun; at: string }
  | { type: 'ImportCompleted'; importId: string; mode: 'initial_overwrite' | 'initial_keep_and_add' | 'reimport'; lines: BudgetLine[]; at: string }
  | { type: 'ImportFailed'; importId: string; message: string; at: string };

/** A send's lines as stored in its snapshot's chunks. */
export interface StoredLines {
  lineCount: number;
  chunkCount: number;
  linesDigest: string;
}

export type Decision = { ok: true; events: BudgetEvent[] } | { ok: false; error: DomainError };

const accept = (...events: BudgetEvent[]): Decision => ({ ok: true, events });
const refuse = (error: DomainError): Decision => ({ ok: false, error });

// ---- invariants, named as sentences -------------------------------------------------------------

/** While an export holds the budget, nothing about it may change; the refusal names the step. */
export function budgetCannotChangeWhileTheExportHoldsIt(budget: Budget): DomainError | null {
  const erp = erpName(holdOf(budget)?.erpSystem);
  switch (budget.erp.status) {
    case 'awaiting_acceptance':
      return domainError(
        'BUDGET.AWAITING_ACCEPTANCE',
        `The budget was sent to ${erp} and is awaiting acceptance by accounting; retrieve it first.`,
      );
    case 'exporting':
      return domainError('BUDGET.EXPORT_IN_PROGRESS', `The budget is being exported to ${erp}.`);
    case 'failed_to_export':
      return domainError(
        'BUDGET.EXPORT_FAILED',
        `The export to ${erp} failed; accounting must reject it before the budget can be changed and re-sent.`,
      );
    case 'awaiting_posting':
      return domainError(
        'BUDGET.EXPORT_NOT_POSTED',
        `The exported entries have not been posted in ${erp} yet.`,
      );
    case 'importing':
      return domainError(
        'BUDGET.IMPORT_IN_PROGRESS',
        `An import from ${erp} is in progress; wait until it finishes.`,
      );
    case 'not_sent':
    case 'synced':
      return null;
    default:
      return assertNever(budget.erp);
  }
}

export function linesCanOnlyChangeWhileUnlocked(budget: Budget): DomainError | null {
  return (
    budgetCannotChangeWhileTheExportHoldsIt(budget) ??
    (budget.locked ? domainError('BUDGET.LOCKED', 'The budget is locked; unlock it to change its line items.') : null)
  );
}

export function deletingModificationsIsRefusedOnceSynced(budget: Budget): DomainError | null {
  return budget.syncedAt !== null || budget.modifications.some((m) => m.synced)
    ? domainError(
        'BUDGET.MODIFICATIONS_SYNCED',
        'The budget has been synced with the ERP, so its modifications can no longer be deleted; preserve them instead.',
      )
    : null;
}

export function platformBudgetsCannotBeImportedOnceExported(budget: Budget): DomainError | null {
  if (budget.origin === 'erp') return null;
  return budget.exported
    ? domainError(
        'BUDGET.EXPORTED_PLATFORM_BUDGET',
        'This budget was created in the platform and exported to the ERP; it can no longer be imported from the ERP.',
      )
    : domainError(
        'BUDGET.NOT_ERP_ORIGIN',
        'This budget was created in the platform; only budgets imported from the ERP can be re-imported.',
      );
}

// ---- derived values -----------------------------------------------------------------------------

export function budgetTotal(budget: Pick<Budget, 'lines' | 'modifications'>): string {
  return fromCents(currentLines(budget).reduce((sum, line) => sum + toCents(line.amount), 0n));
}

/** The lines with the approved modifications applied: what an export would carry. */
export function currentLines(budget: Pick<Budget, 'lines' | 'modifications'>): BudgetLine[] {
  const lines = budget.lines.map((line) => ({ ...line }));
  const byId = new Map(lines.map((line) => [line.id, line]));
  const effect = approvedModificationEffect(budget.modifications, (lineId) => byId.has(lineId));
  for (const [lineId, amounts] of effect.deltas) {
    const line = byId.get(lineId)!;
    line.amount = amounts.reduce((sum, amount) => addAmounts(sum, amount), line.amount);
  }
  return [...lines, ...effect.added];
}

/** What the approved modifications do to the lines: moves on existing lines, and lines they add. */
export interface ModificationEffect {
  /** The amounts moved on each existing line, in order, by line id. */
  deltas: Map<string, string[]>;
  /** The lines the modifications add, in order, with their amounts. */
  added: BudgetLine[];
}

/**
 * The one rule for applying approved modifications: a change names an existing line (`isExisting`)
 * and moves its amount, or names a line an earlier change added and moves that one, or adds a line
 * (its id the change's line id, else `<modification id>.<n>`).
 */
export function approvedModificationEffect(modifications: readonly Modification[], isExisting: (lineId: string) => boolean): ModificationEffect {
  const deltas = new Map<string, string[]>();
  const added: BudgetLine[] = [];
  const addedById = new Map<string, BudgetLine>();
  for (const modification of modifications) {
    if (modification.status !== 'approved') continue;
    modification.changes.forEach((change, index) => {
      if (change.lineId && isExisting(change.lineId)) {
        deltas.set(change.lineId, [...(deltas.get(change.lineId) ?? []), change.amount]);
        return;
      }
      const target = change.lineId ? addedById.get(change.lineId) : undefined;
      if (target) {
        target.amount = addAmounts(target.amount, change.amount);
        return;
      }
      const line: BudgetLine = {
        id: change.lineId ?? `${modification.id}.${index + 1}`,
        costCode: change.costCode,
        costType: change.costType,
        subJob: change.subJob,
        description: change.description,
        amount: normalizeAmount(change.amount),
      };
      added.push(line);
      addedById.set(line.id, line);
    });
  }
  return { deltas, added };
}

export function exportSnapshot(budget: Budget, erpSystem: ErpSystem, jobNumber: string): ExportSnapshot {
  const synced = new Map(budget.syncedLines.map((line) => [line.lineId, line]));
  const lines: ExportLine[] = currentLines(budget).map((line) => ({
    lineId: line.id,
    costCode: line.costCode,
    costType: line.costType,
    subJob: line.subJob,
    description: line.description,
    amount: line.amount,
    syncedAmount: synced.get(line.id)?.amount ?? null,
  }));
  // A synced line that was removed is exported at zero so the ERP drops its money too.
  const current = new Set(lines.map((line) => line.lineId));
  for (const gone of budget.syncedLines) {
    if (!current.has(gone.lineId)) {
      lines.push({ ...gone, amount: '0.00', syncedAmount: gone.amount });
    }
  }
  return {
    name: budget.name,
    origin: budget.origin,
    kind: budget.syncedLines.length > 0 || budget.exported ? 'revision' : 'original',
    erpSystem,
    jobNumber,
    lines,
    total: fromCents(lines.reduce((sum, line) => sum + toCents(line.amount), 0n)),
    syncedTotal: fromCents(lines.reduce((sum, line) => sum + toCents(line.syncedAmount ?? '0'), 0n)),
    modificationIds: budget.modifications.filter((m) => m.status === 'approved' && !m.synced).map((m) => m.id),
  };
}

/**
 * What the ERP holds once an export landed: each line moves by what the export moved it (amount
 * less the synced amount it was computed against, as the connector exports it), on top of what
 * the ERP held. An export computed against an older baseline (one that landed late) thus counts
 * for exactly what it changed in the ERP. A line the export removed (sent at zero) and that the
 * ERP no longer holds any money for is dropped.
 */
export function syncedLinesAfterLanding(synced: readonly ExportLine[], landed: readonly ExportLine[]): ExportLine[] {
  const byId = new Map(synced.map((line) => [line.lineId, line]));
  const removed = new Set<string>();
  for (const line of landed) {
    const sent = toCents(line.amount);
    const moved = sent - (line.syncedAmount === null ? 0n : toCents(line.syncedAmount));
    const held = byId.get(line.lineId);
    const amount = fromCents((held ? toCents(held.amount) : 0n) + moved);
    byId.set(line.lineId, { ...line, amount, syncedAmount: amount });
    if (sent === 0n && line.syncedAmount !== null) removed.add(line.lineId);
  }
  return [...byId.values()].filter((line) => !(removed.has(line.lineId) && toCents(line.amount) === 0n));
}

const normalizeLine = (line: NewLine): BudgetLine => ({ ...line, amount: normalizeAmount(line.amount) });

// ---- decide ---------------------------------------------------------------------------------------

export function decide(state: BudgetState, command: BudgetCommand): Decision {
  if (command.type === 'CreateBudget') {
    if (state.status === 'present') return accept();
    return accept({
      type: 'BudgetCreated',
      budgetId: command.budgetId,
      companyId: command.companyId,
      projectId: command.projectId,
      name: command.name,
      origin: 'platform',
      lines: command.lines.map(normalizeLine),
      createdBy: command.createdBy,
      at: command.at,
    });
  }
  if (state.status === 'absent') throw new Error(`${command.type} on a budget that does not exist`);
  const budget = state;

  switch (command.type) {
    case 'AddLine':
      return decideLineEdit(budget, command, budget.lines.find((line) => line.id === command.line.id) ?? null);
    case 'UpdateLine':
    case 'RemoveLine':
      return decideLineEdit(budget, command, budget.lines.find((line) => line.id === command.lineId) ?? null);
    case 'LockBudget': {
      if (budget.erp.status === 'importing') return refuse(budgetCannotChangeWhileTheExportHoldsIt(budget)!);
      if (budget.locked) return refuse(domainError('BUDGET.ALREADY_LOCKED', 'The budget is already locked.'));
      return accept({ type: 'BudgetLocked', by: command.by, at: command.at });
    }
    case 'UnlockBudget': {
      const held = budgetCannotChangeWhileTheExportHoldsIt(budget);
      if (held) return refuse(held);
      if (!budget.locked) return refuse(domainError('BUDGET.NOT_LOCKED', 'The budget is not locked.'));
      const unsynced = budget.modifications.filter((m) => !m.synced);
      if (budget.modifications.length > 0 && !command.modifications) {
        return refuse(
          domainError(
            'BUDGET.MODIFICATIONS_DECISION_REQUIRED',
            'The budget has modifications: choose whether to preserve or delete them when unlocking.',
          ),
        );
      }
      if (command.modifications === 'delete' && budget.modifications.length > 0) {
        const synced = deletingModificationsIsRefusedOnceSynced(budget);
        if (synced) return refuse(synced);
      }
      const outcome =
        budget.modifications.length === 0 ? 'none' : command.modifications === 'delete' ? 'deleted' : 'preserved';
      const deletions: BudgetEvent[] =
        outcome === 'deleted'
          ? unsynced.map((m) => ({ type: 'ModificationDeleted', modificationId: m.id, at: command.at }))
          : [];
      return accept(
        ...deletions,
        { type: 'BudgetUnlocked', by: command.by, cause: 'user', modifications: outcome, at: command.at },
      );
    }
    case 'CreateModification': {
      const held = budgetCannotChangeWhileTheExportHoldsIt(budget);
      if (held) return refuse(held);
      if (!budget.locked) {
        return refuse(domainError('BUDGET.NOT_LOCKED', 'Lock the budget before creating modifications; while unlocked, edit its line items.'));
      }
      if (budget.modifications.some((m) => m.id === command.modification.id)) return accept();
      for (const change of command.modification.changes) {
        if (change.lineId && !budget.lines.some((line) => line.id === change.lineId)) {
          return refuse(domainError('BUDGET.LINE_NOT_FOUND', `The line item ${change.lineId} does not exist.`));
        }
      }
      return accept({
        type: 'ModificationCreated',
        modification: {
          ...command.modification,
          changes: command.modification.changes.map((c) => ({ ...c, amount: normalizeAmount(c.amount) })),
          sentIn: null,
          synced: false,
        },
        at: command.at,
      });
    }
    case 'ApproveModification':
    case 'DeleteModification': {
      const modification = budget.modifications.find((m) => m.id === command.modificationId);
      if (!modification) return refuse(domainError('BUDGET.MODIFICATION_NOT_FOUND', 'The modification does not exist.'));
      if (modification.synced) {
        return refuse(domainError('BUDGET.MODIFICATION_SYNCED', 'The modification is synced with the ERP and can no longer change.'));
      }
      const held = budgetCannotChangeWhileTheExportHoldsIt(budget);
      if (held) return refuse(held);
      if (command.type === 'ApproveModification') {
        if (modification.status === 'approved') return accept();
        return accept({ type: 'ModificationApproved', modificationId: modification.id, at: command.at });
      }
      return accept({ type: 'ModificationDeleted', modificationId: modification.id, at: command.at });
    }
    case 'SendToErp': {
      const reasons = erpReadiness(budget, command.erp);
      if (reasons.length > 0) return refuse(notReady(reasons));
      const link = command.erp.link!;
      const snapshot = exportSnapshot(budget, link.erpSystem, link.jobNumber);
      return accept({ type: 'BudgetSent', hold: holdOfSend(budget, command, snapshot), snapshot, at: command.at });
    }
    case 'WithdrawSend': {
      // Only the send still awaiting acceptance is taken back; any later state (accepted, retrieved, a newer send) is left alone.
      if (budget.erp.status !== 'awaiting_acceptance' || budget.erp.hold.exportId !== command.exportId) return accept();
      return accept({ type: 'SendWithdrawn', exportId: command.exportId, because: command.because, at: command.at });
    }
    case 'RetrieveFromErp': {
      switch (budget.erp.status) {
        case 'awaiting_acceptance':
          return accept({ type: 'BudgetRetrieved', exportId: budget.erp.hold.exportId, by: command.by, at: command.at });
        case 'not_sent':
        case 'synced':
        case 'importing':
          return refuse(domainError('BUDGET.NOT_SENT', 'The budget is not waiting in the ERP Integrations tool; there is nothing to retrieve.'));
        case 'exporting':
        case 'failed_to_export':
        case 'awaiting_posting':
          return refuse(
            domainError(
              'BUDGET.ALREADY_ACCEPTED',
              'Accounting has already accepted the budget for export; it can no longer be retrieved.',
            ),
          );
        default:
          return assertNever(budget.erp);
      }
    }
    case 'ApplyExportOutcome':
      return applyExportOutcome(budget, command);
    case 'RequestReimport': {
      const origin = platformBudgetsCannotBeImportedOnceExported(budget);
      if (origin) return refuse(origin);
      const held = budgetCannotChangeWhileTheExportHoldsIt(budget);
      if (held) return refuse(held);
      if (budget.locked) return refuse(domainError('BUDGET.LOCKED', 'The budget is locked; unlock it before re-importing it from the ERP.'));
      if (!command.erp.link) {
        return refuse(domainError('ERP.PROJECT_NOT_LINKED', 'ERP data has not been synced: the project is not linked to an ERP job.'));
      }
      return accept({
        type: 'ReimportRequested',
        run: { importId: command.importId, resumeTo: budget.erp.status === 'synced' ? 'synced' : 'not_sent', requestedBy: command.by, requestedAt: command.at, ...(command.erpDigest ? { erpDigest: command.erpDigest } : {}) },
        at: command.at,
      });
    }
    case 'RequestInitialImport': {
      // The origin rule: a platform budget once exported is never imported from the ERP.
      const origin = budget.origin === 'platform' && budget.exported ? platformBudgetsCannotBeImportedOnceExported(budget) : null;
      if (origin) return refuse(origin);
      const held = budgetCannotChangeWhileTheExportHoldsIt(budget);
      if (held) return refuse(held);
      if (budget.locked) return refuse(domainError('BUDGET.LOCKED', 'The budget is locked; unlock it before importing the ERP budget into it.'));
      if (!command.erp.link) {
        return refuse(domainError('ERP.PROJECT_NOT_LINKED', 'ERP data has not been synced: the project is not linked to an ERP job.'));
      }
      return accept({
        type: 'ReimportRequested',
        run: {
          importId: command.importId,
          mode: command.mode,
          resumeTo: budget.erp.status === 'synced' ? 'synced' : 'not_sent',
          requestedBy: command.by,
          requestedAt: command.at,
          ...(command.erpDigest ? { erpDigest: command.erpDigest } : {}),
        },
        at: command.at,
      });
    }
    case 'CompleteImport': {
      if (budget.erp.status === 'importing' && budget.erp.run.importId === command.importId) {
        return accept({ type: 'ImportCompleted', importId: command.importId, mode: command.mode, lines: command.lines.map(normalizeLine), at: command.at });
      }
      if (budget.lastImport?.importId === command.importId) return accept();
      if (command.mode === 'reimport') {
        return refuse(domainError('BUDGET.IMPORT_NOT_APPLICABLE', 'No re-import of this budget is in progress.'));
      }
      const refusal =
        (budget.origin === 'platform' && budget.exported ? platformBudgetsCannotBeImportedOnceExported(budget) : null) ??
        linesCanOnlyChangeWhileUnlocked(budget);
      if (refusal) return refuse(refusal);
      return accept({ type: 'ImportCompleted', importId: command.importId, mode: command.mode, lines: command.lines.map(normalizeLine), at: command.at });
    }
    case 'FailImport': {
      if (budget.erp.status !== 'importing' || budget.erp.run.importId !== command.importId) return accept();
      return accept({ type: 'ImportFailed', importId: command.importId, message: command.message, at: command.at });
    }
    default:
      return assertNever(command);
  }
}

export type LineEditCommand = Extract<BudgetCommand, { type: 'AddLine' | 'UpdateLine' | 'RemoveLine' }>;

/**
 * A line edit decided on the budget without its other lines: `current` is the one line the
 * command names, as stored (null when there is none). What needs every line (the total) is kept
 * by the database; a line id is unique there too.
 */
export function decideLineEdit(budget: Budget, command: LineEditCommand, current: BudgetLine | null): Decision {
  const refusal = linesCanOnlyChangeWhileUnlocked(budget);
  if (refusal) return refuse(refusal);
  switch (command.type) {
    case 'AddLine':
      if (current) return accept();
      return accept({ type: 'LineAdded', line: normalizeLine(command.line), at: command.at });
    case 'UpdateLine': {
      if (!current) return refuse(domainError('BUDGET.LINE_NOT_FOUND', 'The line item does not exist.'));
      const updated = { ...current, ...command.changes };
      return accept({ type: 'LineUpdated', line: { ...updated, amount: normalizeAmount(updated.amount) }, at: command.at });
    }
    case 'RemoveLine':
      if (!current) return refuse(domainError('BUDGET.LINE_NOT_FOUND', 'The line item does not exist.'));
      return accept({ type: 'LineRemoved', lineId: command.lineId, at: command.at });
    default:
      return assertNever(command);
  }
}

function applyExportOutcome(budget: Budget, command: Extract<BudgetCommand, { type: 'ApplyExportOutcome' }>): Decision {
  const { at, exportId, landing } = command;
  const hold = holdOf(budget);
  const current = hold?.exportId === exportId;
  const events: BudgetEvent[] = [];
  if (landing) {
    events.push({ type: 'ExportLanded', exportId, syncedLines: landing.lines === 'in_store' ? null : syncedLinesAfterLanding(budget.syncedLines, landing.lines), at });
  }
  switch (command.outcome) {
    case 'awaiting_acceptance':
      break;
    case 'exporting':
    case 'failed_to_export':
      if (current && budget.erp.status !== command.outcome) events.push({ type: 'ExportStatusChanged', exportId, erpStatus: command.outcome, at });
      break;
    case 'awaiting_posting':
      if (current) {
        if (budget.erp.status !== 'awaiting_posting') events.push({ type: 'ExportStatusChanged', exportId, erpStatus: 'awaiting_posting', at });
      } else if (landing) {
        events.push(...exportedEntriesHoldTheBudgetEvenAfterItWasReleased(budget, landing.hold, at));
      }
      break;
    case 'synced':
      if (current) {
        events.push({ type: 'ExportPosted', exportId, modificationIds: hold.modificationIds, at });
      } else if (landing) {
        const retaken = exportedEntriesHoldTheBudgetEvenAfterItWasReleased(budget, landing.hold, at);
        events.push(...retaken);
        if (retaken.length > 0) events.push({ type: 'ExportPosted', exportId, modificationIds: landing.hold.modificationIds, at });
      }
      break;
    case 'rejected':
      if (current) events.push({ type: 'ExportRejected', exportId, at });
      break;
    case 'retrieved':
    case 'superseded':
      if (current) events.push({ type: 'ExportReleased', exportId, at });
      break;
    default:
      return assertNever(command.outcome);
  }
  return accept(...events);
}

/**
 * A send that was retrieved, rejected, timed out or superseded can still reach the ERP (an attempt
 * already in flight when the platform gave it up). Its entries then sit unposted in the ERP, so the
 * budget is held by them again until they are posted. A newer send that has not reached the ERP
 * was computed against what the ERP held before: it is withdrawn, so its amounts never land on top
 * of these (the PM re-sends once they are posted). During an import only the baseline moves.
 */
function exportedEntriesHoldTheBudgetEvenAfterItWasReleased(budget: Budget, landed: ExportHold, at: string): BudgetEvent[] {
  const erp = budget.erp;
  switch (erp.status) {
    case 'importing':
    case 'awaiting_posting':
      return [];
    case 'awaiting_acceptance':
    case 'exporting':
    case 'failed_to_export':
      return [
        { type: 'SendWithdrawn', exportId: erp.hold.exportId, because: `the earlier export ${landed.exportId} reached ${erpName(landed.erpSystem)} after it had been given up`, at },
        { type: 'ExportHoldRetaken', hold: { ...landed, statusBefore: erp.hold.statusBefore }, relocked: !budget.locked, at },
      ];
    case 'not_sent':
    case 'synced':
      return [{ type: 'ExportHoldRetaken', hold: { ...landed, statusBefore: erp.status }, relocked: !budget.locked, at }];
    default:
      return assertNever(erp);
  }
}

/** The hold a send takes. */
function holdOfSend(budget: Budget, command: SendCommand, header: Pick<ExportSnapshot, 'erpSystem' | 'jobNumber' | 'kind' | 'modificationIds'>): ExportHold {
  return {
    exportId: command.exportId,
    erpSystem: header.erpSystem,
    jobNumber: header.jobNumber,
    kind: header.kind,
    modificationIds: header.modificationIds,
    statusBefore: budget.erp.status === 'synced' ? 'synced' : 'not_sent',
    sentBy: command.by,
    sentAt: command.at,
  };
}

type SendCommand = Extract<BudgetCommand, { type: 'SendToErp' }>;

/** A send's snapshot without its lines, which are read and stored as they stream. */
export type SendHeader = Omit<ExportSnapshot, 'lines' | 'total' | 'syncedTotal'>;

/**
 * The send of a budget loaded without its lines: readiness from the facts of its lines (`LinesFacts`,
 * aggregates the database answers), the hold and the snapshot's header. `hasSyncedLines` tells
 * whether the ERP holds anything of it (a revision). The lines and what changed since the last sync
 * are the caller's to stream and check (`sentWithStoredLines`).
 */
export function decideSendHeader(
  budget: Budget,
  command: SendCommand,
  facts: LinesFacts,
  hasSyncedLines: boolean,
): { ok: false; error: DomainError } | { ok: true; hold: ExportHold; header: SendHeader } {
  const reasons = erpReadinessOf(budget, command.erp, facts);
  if (reasons.length > 0) return { ok: false, error: notReady(reasons) };
  const link = command.erp.link!;
  const header: SendHeader = {
    name: budget.name,
    origin: budget.origin,
    kind: hasSyncedLines || budget.exported ? 'revision' : 'original',
    erpSystem: link.erpSystem,
    jobNumber: link.jobNumber,
    modificationIds: budget.modifications.filter((m) => m.status === 'approved' && !m.synced).map((m) => m.id),
  };
  return { ok: true, hold: holdOfSend(budget, command, header), header };
}

/**
 * The send, once its lines are stored: refused when the budget is synced and every line equals
 * what the ERP holds (nothing to send), else the `BudgetSent` event.
 */
export function sentWithStoredLines(
  budget: Budget,
  send: { hold: ExportHold; header: SendHeader; at: string },
  stored: StoredLines & { totalCents: bigint; syncedTotalCents: bigint; unchanged: boolean },
): Decision {
  if (budget.erp.status === 'synced' && stored.unchanged) return refuse(nothingChanged(erpName(send.hold.erpSystem)));
  return accept({
    type: 'BudgetSent',
    hold: send.hold,
    snapshot: { ...send.header, lines: [], total: fromCents(stored.totalCents), syncedTotal: fromCents(stored.syncedTotalCents) },
    stored: { lineCount: stored.lineCount, chunkCount: stored.chunkCount, linesDigest: stored.linesDigest },
    at: send.at,
  });
}

function notReady(reasons: ReadinessReason[]): DomainError {
  return { code: reasons[0].code, message: reasons.map((reason) => reason.message).join(' ') };
}

// ---- evolve ---------------------------------------------------------------------------------------

export function evolve(state: BudgetState, event: BudgetEvent): BudgetState {
  if (event.type === 'BudgetCreated') {
    return {
      status: 'present',
      id: event.budgetId,
      companyId: event.companyId,
      projectId: event.projectId,
      name: event.name,
      origin: event.origin,
      locked: false,
      erp: notSent,
      lines: event.lines,
      modifications: [],
      syncedLines: [],
      exported: false,
      syncedAt: null,
      lastImport: null,
      createdBy: event.createdBy,
      createdAt: event.at,
    };
  }
  if (state.status === 'absent') return state;
  const b = state;
  switch (event.type) {
    case 'LineAdded':
      return { ...b, lines: [...b.lines, event.line] };
    case 'LineUpdated':
      return { ...b, lines: b.lines.map((line) => (line.id === event.line.id ? event.line : line)) };
    case 'LineRemoved':
      return { ...b, lines: b.lines.filter((line) => line.id !== event.lineId) };
    case 'BudgetLocked':
      return { ...b, locked: true };
    case 'BudgetUnlocked':
      return { ...b, locked: false };
    case 'ModificationCreated':
      return { ...b, modifications: [...b.modifications, event.modification] };
    case 'ModificationApproved':
      return {
        ...b,
        modifications: b.modifications.map((m) => (m.id === event.modificationId ? { ...m, status: 'approved' } : m)),
      };
    case 'ModificationDeleted':
      return { ...b, modifications: b.modifications.filter((m) => m.id !== event.modificationId) };
    case 'BudgetSent':
      return { ...b, erp: { status: 'awaiting_acceptance', hold: event.hold }, modifications: marked(b.modifications, event.hold) };
    case 'BudgetRetrieved':
    case 'SendWithdrawn':
    case 'ExportReleased':
      return releaseHold(b, event.exportId, { locked: b.locked });
    case 'ExportRejected':
      return releaseHold(b, event.exportId, { locked: false });
    case 'ExportHoldRetaken':
      return { ...b, erp: { status: 'awaiting_posting', hold: event.hold }, locked: true, exported: true, modifications: marked(b.modifications, event.hold) };
    case 'ExportStatusChanged': {
      const hold = holdOf(b);
      return hold?.exportId === event.exportId ? { ...b, erp: { status: event.erpStatus, hold } } : b;
    }
    case 'ExportLanded':
      return { ...b, syncedLines: event.syncedLines ?? b.syncedLines, exported: true };
    case 'ExportPosted':
      return {
        ...b,
        erp: holdOf(b)?.exportId === event.exportId ? syncedState : b.erp,
        exported: true,
        syncedAt: event.at,
        modifications: b.modifications.map((m) => (event.modificationIds.includes(m.id) ? { ...m, synced: true, sentIn: null } : m)),
      };
    case 'ReimportRequested':
      return { ...b, erp: { status: 'importing', run: event.run } };
    case 'ImportCompleted': {
      const lines = event.mode === 'initial_keep_and_add' ? [...b.lines, ...event.lines] : event.lines;
      return {
        ...b,
        origin: 'erp',
        lines,
        syncedLines: lines.map((line) => ({
          lineId: line.id,
          costCode: line.costCode,
          costType: line.costType,
          subJob: line.subJob,
          description: line.description,
          amount: line.amount,
          syncedAmount: line.amount,
        })),
        erp: b.erp.status === 'importing' ? resumed(b.erp.run) : b.erp,
        lastImport: { importId: event.importId, outcome: 'succeeded', message: 'Imported from the ERP.', at: event.at },
      };
    }
    case 'ImportFailed':
      return {
        ...b,
        erp: b.erp.status === 'importing' ? resumed(b.erp.run) : b.erp,
        lastImport: { importId: event.importId, outcome: 'failed', message: event.message, at: event.at },
      };
    default:
      return assertNever(event);
  }
}

const resumed = (run: ImportRun): NotSent | Synced => (run.resumeTo === 'synced' ? syncedState : notSent);

/** The modifications a send carries, marked as sent in it. */
const marked = (modifications: Modification[], hold: ExportHold): Modification[] =>
  modifications.map((m) => (hold.modificationIds.includes(m.id) && !m.synced ? { ...m, sentIn: hold.exportId } : m));

function releaseHold(b: Budget, exportId: string, { locked }: { locked: boolean }): BudgetState {
  const hold = holdOf(b);
  if (hold?.exportId !== exportId) return b;
  return {
    ...b,
    locked,
    erp: stateBefore(hold),
    modifications: b.modifications.map((m) => (m.sentIn === exportId ? { ...m, sentIn: null } : m)),
  };
}

export function fold(events: BudgetEvent[], state: BudgetState = initialState): BudgetState {
  return events.reduce(evolve, state);
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value ${JSON.stringify(value)}`);
}
