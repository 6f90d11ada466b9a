import { type ExportFact, type ExportStatus, exportStatusOf, withFact } from '@budget-erp/contracts';
import { type ErpSystem, type Person, assertNever } from '../../notifications/domain/person';

/** What `budget.sent` told about the export: everything its mails and the summary name it by. */
export interface SentDetails {
  eventId: string;
  at: string;
  budgetName: string;
  erpSystem: ErpSystem;
  jobNumber: string;
  total: string;
  sentBy: Person;
  createdBy: Person;
}

export interface AcceptedDetails {
  eventId: string;
  at: string;
  acceptedBy: Person;
}

export interface RejectedDetails {
  eventId: string;
  at: string;
  reason: string;
  rejectedBy: Person;
  createdBy: Person;
}

/** Why the export failed: the connector's `export.failed`, or the saga's timeout. */
export interface FailureDetails {
  eventId: string;
  at: string;
  source: 'failed' | 'timed_out';
  reasonCode: string;
  message: string;
  /** Named by the connector's failure; a timeout names nobody. */
  erpSystem: ErpSystem | null;
  jobNumber: string | null;
  sentBy: Person | null;
  acceptedBy: Person | null;
}

export interface PostedDetails {
  eventId: string;
  at: string;
  erpSystem: ErpSystem;
  jobNumber: string;
  total: string;
  createdBy: Person;
}

export interface SucceededDetails {
  eventId: string;
  at: string;
}

/** One fact about an export as the notification service hears it, with what its event told. */
export type HeardFact =
  | { fact: 'sent'; sent: SentDetails }
  | { fact: 'accepted'; accepted: AcceptedDetails }
  | { fact: 'rejected'; rejected: RejectedDetails }
  | { fact: 'failed' | 'timed_out'; failure: FailureDetails }
  | { fact: 'succeeded'; succeeded: SucceededDetails }
  | { fact: 'posted'; posted: PostedDetails }
  | { fact: 'retrieved' | 'superseded' };

/**
 * One export as heard from any topic, in any order, any number of times: the set of its facts
 * (its status is `exportStatusOf` them, as everywhere on the platform) and what each fact's event
 * told, kept as first heard.
 */
export interface TrackedExport {
  exportId: string;
  companyId: string;
  budgetId: string;
  facts: ExportFact[];
  sent: SentDetails | null;
  accepted: AcceptedDetails | null;
  rejected: RejectedDetails | null;
  failure: FailureDetails | null;
  succeeded: SucceededDetails | null;
  posted: PostedDetails | null;
}

export const newTrackedExport = (exportId: string, companyId: string, budgetId: string): TrackedExport => ({
  exportId,
  companyId,
  budgetId,
  facts: [],
  sent: null,
  accepted: null,
  rejected: null,
  failure: null,
  succeeded: null,
  posted: null,
});

/**
 * The connector's failure says why the ERP refused; the saga's timeout only that nobody answered.
 * Whichever arrives first, the export keeps the connector's reason once it is known.
 */
function failureToKeep(current: FailureDetails | null, heard: FailureDetails): FailureDetails {
  if (!current) return heard;
  return current.source === 'timed_out' && heard.source === 'failed' ? heard : current;
}

/** Adds a fact: facts are a set, so a duplicate or a late fact of an earlier step changes nothing it should not. */
export function evolve(state: TrackedExport, heard: HeardFact): TrackedExport {
  const facts = withFact(state.facts, heard.fact);
  switch (heard.fact) {
    case 'sent':
      return { ...state, facts, sent: state.sent ?? heard.sent };
    case 'accepted':
      return { ...state, facts, accepted: state.accepted ?? heard.accepted };
    case 'rejected':
      return { ...state, facts, rejected: state.rejected ?? heard.rejected };
    case 'failed':
    case 'timed_out': {
      // The ERP lost the export after it succeeded (its record is missing or someone else's): the
      // lifecycle's `lost` fact, not a posting.
      const known = heard.failure.reasonCode === 'erp_record_missing' ? withFact(state.facts, 'lost') : facts;
      return { ...state, facts: known, failure: failureToKeep(state.failure, heard.failure) };
    }
    case 'succeeded':
      return { ...state, facts, succeeded: state.succeeded ?? heard.succeeded };
    case 'posted':
      return { ...state, facts, posted: state.posted ?? heard.posted };
    case 'retrieved':
    case 'superseded':
      return { ...state, facts };
    default:
      return assertNever(heard);
  }
}

export const statusOf = (state: Pick<TrackedExport, 'facts'>): ExportStatus => exportStatusOf(state.facts).status;

/** Only an export awaiting acceptance or failed to export waits for an approver. */
export const needsAnApprover = (state: Pick<TrackedExport, 'facts'>): boolean => {
  const status = statusOf(state);
  return status === 'awaiting_acceptance' || status === 'failed_to_export';
};

/** A send of a budget, placed among the budget's other sends. */
export interface SendOfBudget {
  exportId: string;
  sentAt: string;
}

/**
 * A later send of the same budget supersedes an earlier one; two sends at the same instant are
 * told apart by export id, so every service orders them alike.
 */
export const aLaterSendSupersedesAnEarlierOne = (earlier: SendOfBudget, later: SendOfBudget): boolean => {
  const a = Date.parse(earlier.sentAt);
  const b = Date.parse(later.sentAt);
  return a < b || (a === b && earlier.exportId < later.exportId);
};
