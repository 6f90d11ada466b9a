import { type ErpSystem, type Person, assertNever } from '../../notifications/domain/person';

/** What the notification service hears about one export, from any topic, in any order. */
export type ExportFact =
  | { type: 'sent'; at: string; budgetName: string; erpSystem: ErpSystem; jobNumber: string; total: string; sentBy: Person }
  | { type: 'retrieved'; at: string }
  | { type: 'accepted'; at: string; budgetName: string; erpSystem: ErpSystem; jobNumber: string; total: string; acceptedBy: Person; sentBy: Person }
  | { type: 'rejected'; at: string }
  | { type: 'failed'; at: string; erpSystem: ErpSystem; jobNumber: string; reasonCode: string; message: string }
  | { type: 'timed_out'; at: string; message: string }
  | { type: 'succeeded'; at: string }
  | { type: 'posted'; at: string };

/** Where an export stands for an approver. Only `awaiting_acceptance` and `failed_to_export` need them. */
export type ExportStage = 'unknown' | 'awaiting_acceptance' | 'exporting' | 'failed_to_export' | 'closed';

export interface PendingExport {
  exportId: string;
  companyId: string;
  budgetId: string;
  stage: ExportStage;
  budgetName: string | null;
  erpSystem: ErpSystem | null;
  jobNumber: string | null;
  total: string | null;
  sentBy: Person | null;
  acceptedBy: Person | null;
  sentAt: string | null;
  failure: { reasonCode: string; message: string; at: string } | null;
}

export const newPendingExport = (exportId: string, companyId: string, budgetId: string): PendingExport => ({
  exportId,
  companyId,
  budgetId,
  stage: 'unknown',
  budgetName: null,
  erpSystem: null,
  jobNumber: null,
  total: null,
  sentBy: null,
  acceptedBy: null,
  sentAt: null,
  failure: null,
});

const stageOrder: Record<ExportStage, number> = {
  unknown: 0,
  awaiting_acceptance: 1,
  exporting: 2,
  failed_to_export: 3,
  closed: 4,
};

function stageAfter(fact: ExportFact): ExportStage {
  switch (fact.type) {
    case 'sent':
      return 'awaiting_acceptance';
    case 'accepted':
      return 'exporting';
    case 'failed':
    case 'timed_out':
      return 'failed_to_export';
    case 'retrieved':
    case 'rejected':
    case 'succeeded':
    case 'posted':
      return 'closed';
    default:
      return assertNever(fact);
  }
}

/**
 * Events of one export arrive from several topics in no guaranteed order, but an export only ever
 * moves forward (sent → accepted → failed → rejected, or on to closed), so a late event of an
 * earlier step never moves it back.
 */
export function exportOnlyMovesForward(current: ExportStage, next: ExportStage): ExportStage {
  return stageOrder[next] > stageOrder[current] ? next : current;
}

export function evolve(state: PendingExport, fact: ExportFact): PendingExport {
  const stage = exportOnlyMovesForward(state.stage, stageAfter(fact));
  switch (fact.type) {
    case 'sent':
      return {
        ...state,
        stage,
        budgetName: fact.budgetName,
        erpSystem: fact.erpSystem,
        jobNumber: fact.jobNumber,
        total: fact.total,
        sentBy: fact.sentBy,
        sentAt: fact.at,
      };
    case 'accepted':
      return {
        ...state,
        stage,
        budgetName: state.budgetName ?? fact.budgetName,
        erpSystem: state.erpSystem ?? fact.erpSystem,
        jobNumber: state.jobNumber ?? fact.jobNumber,
        total: state.total ?? fact.total,
        sentBy: state.sentBy ?? fact.sentBy,
        acceptedBy: fact.acceptedBy,
      };
    case 'failed':
      return {
        ...state,
        stage,
        erpSystem: state.erpSystem ?? fact.erpSystem,
        jobNumber: state.jobNumber ?? fact.jobNumber,
        failure: { reasonCode: fact.reasonCode, message: fact.message, at: fact.at },
      };
    case 'timed_out':
      return { ...state, stage, failure: { reasonCode: 'timeout', message: fact.message, at: fact.at } };
    case 'retrieved':
    case 'rejected':
    case 'succeeded':
    case 'posted':
      return { ...state, stage };
    default:
      return assertNever(fact);
  }
}

export const needsAnApprover = (state: PendingExport): boolean =>
  state.stage === 'awaiting_acceptance' || state.stage === 'failed_to_export';
