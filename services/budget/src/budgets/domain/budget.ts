import { addAmounts, fromCents, toCents, normalizeAmount } from '@budget-erp/money';
import { DomainError, domainError } from './budget.errors';
import { ErpContext, ErpSystem, erpName } from './erp-system';
import { erpReadiness, ReadinessReason } from './erp-readiness';

export type ErpStatus =
  | 'not_sent'
  | 'awaiting_acceptance'
  | 'exporting'
  | 'failed_to_export'
  | 'awaiting_posting'
  | 'synced'
  | 'importing';

/** Statuses of an export followed by the saga, as the budget learns them. */
export type ExportOutcome =
  | 'awaiting_acceptance'
  | 'exporting'
  | 'failed_to_export'
  | 'awaiting_posting'
  | 'posted'
  | 'rejected'
  | 'retrieved';

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

/** The export hold: taken at send, released on reject, retrieve or posting. */
export interface ExportHold {
  exportId: string;
  erpSystem: ErpSystem;
  snapshot: ExportSnapshot;
  /** erpStatus to return to when the send is retrieved or rejected. */
  statusBefore: 'not_sent' | 'synced';
  sentBy: UserRef;
  sentAt: string;
}

export interface ImportRun {
  importId: string;
  statusBefore: ErpStatus;
  requestedBy: UserRef;
  requestedAt: string;
}

export interface ImportResult {
  importId: string;
  outcome: 'succeeded' | 'failed';
  message: string;
  at: string;
}

export interface Budget {
  status: 'present';
  id: string;
  companyId: string;
  projectId: string;
  name: string;
  origin: Origin;
  locked: boolean;
  erpStatus: ErpStatus;
  lines: BudgetLine[];
  modifications: Modification[];
  /** What the ERP holds for this budget, line by line (empty until first synced). */
  syncedLines: ExportLine[];
  /** Entries of this budget reached the ERP at least once. */
  exported: boolean;
  syncedAt: string | null;
  hold: ExportHold | null;
  importing: ImportRun | null;
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
  | {
      type: 'ApplyExportOutcome';
      exportId: string;
      outcome: ExportOutcome;
      at: string;
      /** The hold the send took; lets a late export success hold the budget again. */
      sentHold?: ExportHold;
    }
  | { type: 'RequestReimport'; importId: string; by: UserRef; at: string; erp: ErpContext }
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
  | { type: 'BudgetSent'; hold: ExportHold; at: string }
  | { type: 'BudgetRetrieved'; exportId: string; by: UserRef; at: string }
  | { type: 'ExportStatusChanged'; exportId: string; erpStatus: 'exporting' | 'failed_to_export' | 'awaiting_posting'; at: string }
  | { type: 'ExportHoldRetaken'; hold: ExportHold; relocked: boolean; at: string }
  | { type: 'ExportRejected'; exportId: string; at: string }
  | { type: 'ExportPosted'; exportId: string; snapshot: ExportSnapshot; at: string }
  | { type: 'ReimportRequested'; run: ImportRun; at: string }
  | { type: 'ImportCompleted'; importId: string; mode: 'initial_overwrite' | 'initial_keep_and_add' | 'reimport'; lines: BudgetLine[]; at: string }
  | { type: 'ImportFailed'; importId: string; message: string; at: string };

export type Decision = { ok: true; events: BudgetEvent[] } | { ok: false; error: DomainError };

const accept = (...events: BudgetEvent[]): Decision => ({ ok: true, events });
const refuse = (error: DomainError): Decision => ({ ok: false, error });

// ---- invariants, named as sentences -------------------------------------------------------------

/** While an export holds the budget, nothing about it may change; the refusal names the step. */
export function budgetCannotChangeWhileTheExportHoldsIt(budget: Budget): DomainError | null {
  const erp = erpName(budget.hold?.erpSystem);
  switch (budget.erpStatus) {
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
        `An import from ${erpName(budget.hold?.erpSystem)} is in progress; wait until it finishes.`,
      );
    case 'not_sent':
    case 'synced':
      return null;
    default:
      return assertNever(budget.erpStatus);
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
  for (const modification of budget.modifications) {
    if (modification.status !== 'approved') continue;
    modification.changes.forEach((change, index) => {
      const target = change.lineId ? byId.get(change.lineId) : undefined;
      if (target) {
        target.amount = addAmounts(target.amount, change.amount);
      } else {
        const added: BudgetLine = {
          id: change.lineId ?? `${modification.id}.${index + 1}`,
          costCode: change.costCode,
          costType: change.costType,
          subJob: change.subJob,
          description: change.description,
          amount: normalizeAmount(change.amount),
        };
        lines.push(added);
        byId.set(added.id, added);
      }
    });
  }
  return lines;
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
    case 'AddLine': {
      const refusal = linesCanOnlyChangeWhileUnlocked(budget);
      if (refusal) return refuse(refusal);
      if (budget.lines.some((line) => line.id === command.line.id)) return accept();
      return accept({ type: 'LineAdded', line: normalizeLine(command.line), at: command.at });
    }
    case 'UpdateLine': {
      const refusal = linesCanOnlyChangeWhileUnlocked(budget);
      if (refusal) return refuse(refusal);
      const line = budget.lines.find((l) => l.id === command.lineId);
      if (!line) return refuse(domainError('BUDGET.LINE_NOT_FOUND', 'The line item does not exist.'));
      const updated = { ...line, ...command.changes };
      return accept({ type: 'LineUpdated', line: { ...updated, amount: normalizeAmount(updated.amount) }, at: command.at });
    }
    case 'RemoveLine': {
      const refusal = linesCanOnlyChangeWhileUnlocked(budget);
      if (refusal) return refuse(refusal);
      if (!budget.lines.some((l) => l.id === command.lineId)) {
        return refuse(domainError('BUDGET.LINE_NOT_FOUND', 'The line item does not exist.'));
      }
      return accept({ type: 'LineRemoved', lineId: command.lineId, at: command.at });
    }
    case 'LockBudget': {
      if (budget.erpStatus === 'importing') return refuse(budgetCannotChangeWhileTheExportHoldsIt(budget)!);
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
      return accept({
        type: 'BudgetSent',
        hold: {
          exportId: command.exportId,
          erpSystem: link.erpSystem,
          snapshot: exportSnapshot(budget, link.erpSystem, link.jobNumber),
          statusBefore: budget.erpStatus === 'synced' ? 'synced' : 'not_sent',
          sentBy: command.by,
          sentAt: command.at,
        },
        at: command.at,
      });
    }
    case 'RetrieveFromErp': {
      switch (budget.erpStatus) {
        case 'awaiting_acceptance':
          return accept({ type: 'BudgetRetrieved', exportId: budget.hold!.exportId, by: command.by, at: command.at });
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
          return assertNever(budget.erpStatus);
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
        run: { importId: command.importId, statusBefore: budget.erpStatus, requestedBy: command.by, requestedAt: command.at },
        at: command.at,
      });
    }
    case 'CompleteImport': {
      if (budget.importing?.importId === command.importId) {
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
      if (budget.importing?.importId !== command.importId) return accept();
      return accept({ type: 'ImportFailed', importId: command.importId, message: command.message, at: command.at });
    }
    default:
      return assertNever(command);
  }
}

function applyExportOutcome(budget: Budget, command: Extract<BudgetCommand, { type: 'ApplyExportOutcome' }>): Decision {
  const current = budget.hold?.exportId === command.exportId;
  const { at, exportId } = command;
  switch (command.outcome) {
    case 'awaiting_acceptance':
    case 'retrieved':
      return accept();
    case 'exporting':
    case 'failed_to_export':
      return current && budget.erpStatus !== command.outcome
        ? accept({ type: 'ExportStatusChanged', exportId, erpStatus: command.outcome, at })
        : accept();
    case 'awaiting_posting':
      if (current) {
        return budget.erpStatus === 'awaiting_posting'
          ? accept()
          : accept({ type: 'ExportStatusChanged', exportId, erpStatus: 'awaiting_posting', at });
      }
      return exportedEntriesHoldTheBudgetEvenAfterItWasReleased(budget, command);
    case 'rejected':
      return current ? accept({ type: 'ExportRejected', exportId, at }) : accept();
    case 'posted':
      return current ? accept({ type: 'ExportPosted', exportId, snapshot: budget.hold!.snapshot, at }) : accept();
    default:
      return assertNever(command.outcome);
  }
}

/**
 * A send that was retrieved or rejected can still reach the ERP (an acceptance racing the
 * retrieval, a success after a timeout). Its entries then sit unposted in the ERP, so the budget is
 * held again until they are posted — unless a newer send already holds it.
 */
function exportedEntriesHoldTheBudgetEvenAfterItWasReleased(
  budget: Budget,
  command: Extract<BudgetCommand, { type: 'ApplyExportOutcome' }>,
): Decision {
  if (budget.hold !== null || !command.sentHold || budget.erpStatus === 'importing') return accept();
  return accept({ type: 'ExportHoldRetaken', hold: { ...command.sentHold, statusBefore: budget.erpStatus === 'synced' ? 'synced' : 'not_sent' }, relocked: !budget.locked, at: command.at });
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
      erpStatus: 'not_sent',
      lines: event.lines,
      modifications: [],
      syncedLines: [],
      exported: false,
      syncedAt: null,
      hold: null,
      importing: null,
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
      return {
        ...b,
        erpStatus: 'awaiting_acceptance',
        hold: event.hold,
        modifications: b.modifications.map((m) =>
          event.hold.snapshot.modificationIds.includes(m.id) ? { ...m, sentIn: event.hold.exportId } : m,
        ),
      };
    case 'BudgetRetrieved':
      return releaseHold(b, { locked: true });
    case 'ExportRejected':
      return releaseHold(b, { locked: false });
    case 'ExportHoldRetaken':
      return { ...b, hold: event.hold, erpStatus: 'awaiting_posting', locked: true, exported: true };
    case 'ExportStatusChanged':
      return {
        ...b,
        erpStatus: event.erpStatus,
        exported: b.exported || event.erpStatus === 'awaiting_posting',
      };
    case 'ExportPosted':
      return {
        ...b,
        erpStatus: 'synced',
        hold: null,
        exported: true,
        syncedAt: event.at,
        syncedLines: event.snapshot.lines.filter((line) => line.amount !== '0.00' || line.syncedAmount === null),
        modifications: b.modifications.map((m) =>
          event.snapshot.modificationIds.includes(m.id) ? { ...m, synced: true, sentIn: null } : m,
        ),
      };
    case 'ReimportRequested':
      return { ...b, erpStatus: 'importing', importing: event.run };
    case 'ImportCompleted': {
      const lines = event.mode === 'initial_keep_and_add' ? [...b.lines, ...event.lines] : event.lines;
      const statusBefore = b.importing?.statusBefore ?? b.erpStatus;
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
        erpStatus: statusBefore === 'importing' ? 'not_sent' : statusBefore,
        importing: null,
        lastImport: { importId: event.importId, outcome: 'succeeded', message: 'Imported from the ERP.', at: event.at },
      };
    }
    case 'ImportFailed':
      return {
        ...b,
        erpStatus: b.importing?.statusBefore ?? 'not_sent',
        importing: null,
        lastImport: { importId: event.importId, outcome: 'failed', message: event.message, at: event.at },
      };
    default:
      return assertNever(event);
  }
}

function releaseHold(b: Budget, { locked }: { locked: boolean }): BudgetState {
  const exportId = b.hold?.exportId;
  return {
    ...b,
    locked,
    erpStatus: b.hold?.statusBefore ?? 'not_sent',
    hold: null,
    modifications: b.modifications.map((m) => (m.sentIn === exportId ? { ...m, sentIn: null } : m)),
  };
}

export function fold(events: BudgetEvent[], state: BudgetState = initialState): BudgetState {
  return events.reduce(evolve, state);
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value ${JSON.stringify(value)}`);
}
