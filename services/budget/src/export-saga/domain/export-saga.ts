import type { ExportHold } from '../../budgets/domain/budget';

/**
 * The export saga of one send: it holds the budget from send until the export is posted, or the
 * send is rejected or retrieved. Its status is a function of the set of facts it has heard, never
 * of their order, so events of one budget may arrive in any order and any number of times.
 */

export type SagaStatus =
  | 'awaiting_acceptance'
  | 'exporting'
  | 'failed_to_export'
  | 'awaiting_posting'
  | 'posted'
  | 'rejected'
  | 'retrieved';

export interface SagaFacts {
  accepted?: { at: string; by: string };
  rejected?: { at: string; by: string; reason: string };
  retrieved?: { at: string; by: string };
  succeeded?: { at: string; erpReference: string };
  failed?: { at: string; reasonCode: string; message: string };
  timedOut?: { at: string };
  posted?: { at: string };
}

export interface TimelineEntry {
  at: string;
  /** The message heard, e.g. `budget.accepted`, or `timeout`. */
  event: string;
  /** What it meant for the export. */
  note: string;
  status: SagaStatus;
}

export interface ExportSaga {
  exportId: string;
  budgetId: string;
  companyId: string;
  projectId: string;
  erpSystem: string;
  kind: 'original' | 'revision';
  status: SagaStatus;
  facts: SagaFacts;
  /** When an accepted export that heard nothing more is marked failed. */
  deadline: string | null;
  timeline: TimelineEntry[];
  startedAt: string;
  /** What the send holds the budget with (its snapshot), to hold it again after a late export. */
  hold: ExportHold | null;
}

export type SagaMessage =
  | { type: 'budget.accepted'; at: string; by: string }
  | { type: 'budget.rejected'; at: string; by: string; reason: string }
  | { type: 'budget.retrieved'; at: string; by: string }
  | { type: 'export.succeeded'; at: string; erpReference: string }
  | { type: 'export.failed'; at: string; reasonCode: string; message: string }
  | { type: 'erp.posted'; at: string }
  | { type: 'timeout.check'; at: string };

/** What the saga asks of the rest of the service. */
export type SagaEffect =
  | { type: 'ApplyToBudget'; status: SagaStatus }
  | { type: 'PublishTimedOut'; message: string; at: string };

export interface SagaStarted {
  exportId: string;
  budgetId: string;
  companyId: string;
  projectId: string;
  erpSystem: string;
  kind: 'original' | 'revision';
  sentBy: string;
  at: string;
  hold: ExportHold;
}

export interface Reaction {
  saga: ExportSaga;
  effects: SagaEffect[];
}

/** Step 1: the send takes the export hold (the budget's own `BudgetSent` event). */
export function startSaga(start: SagaStarted): ExportSaga {
  return {
    exportId: start.exportId,
    budgetId: start.budgetId,
    companyId: start.companyId,
    projectId: start.projectId,
    erpSystem: start.erpSystem,
    kind: start.kind,
    status: 'awaiting_acceptance',
    facts: {},
    deadline: null,
    timeline: [
      { at: start.at, event: 'budget.sent', note: `Sent for accounting acceptance by ${start.sentBy}; the export hold is taken.`, status: 'awaiting_acceptance' },
    ],
    startedAt: start.at,
    hold: start.hold,
  };
}

/**
 * The status the facts add up to. Later steps outrank earlier ones, so a posting heard before the
 * export's success still means posted; a rejection outranks a failure it compensates.
 */
export function statusOf(facts: SagaFacts): SagaStatus {
  if (facts.posted) return 'posted';
  // The ERP lost the export after it succeeded (erp_record_missing): not a posting, the export failed.
  if (facts.failed?.reasonCode === ERP_RECORD_MISSING) return facts.rejected ? 'rejected' : 'failed_to_export';
  if (facts.succeeded) return 'awaiting_posting';
  if (facts.rejected) return 'rejected';
  if (facts.retrieved) return 'retrieved';
  if (facts.failed || facts.timedOut) return 'failed_to_export';
  if (facts.accepted) return 'exporting';
  return 'awaiting_acceptance';
}

/** The reason code of an export the ERP no longer holds after it succeeded. */
export const ERP_RECORD_MISSING = 'erp_record_missing';

export interface SagaOptions {
  timeoutMs: number;
}

export function react(saga: ExportSaga, message: SagaMessage, options: SagaOptions): Reaction {
  const learned = learn(saga, message, options);
  if (!learned) return { saga, effects: [] };
  const status = statusOf(learned.facts);
  const deadline = status === 'exporting' ? (saga.deadline ?? addMs(message.at, options.timeoutMs)) : saga.deadline;
  const next: ExportSaga = {
    ...saga,
    facts: learned.facts,
    status,
    deadline,
    timeline: [...saga.timeline, { at: message.at, event: message.type === 'timeout.check' ? 'timeout' : message.type, note: learned.note, status }],
  };
  const effects: SagaEffect[] = [];
  if (message.type === 'timeout.check') {
    effects.push({ type: 'PublishTimedOut', message: learned.note, at: message.at });
  }
  if (status !== saga.status) effects.push({ type: 'ApplyToBudget', status });
  return { saga: next, effects };
}

/** The new facts a message adds, or null when it adds none (a duplicate, or a timeout not due). */
function learn(saga: ExportSaga, message: SagaMessage, options: SagaOptions): { facts: SagaFacts; note: string } | null {
  const facts = saga.facts;
  switch (message.type) {
    case 'budget.accepted':
      return facts.accepted
        ? null
        : { facts: { ...facts, accepted: { at: message.at, by: message.by } }, note: `Accepted by ${message.by}; the export runs.` };
    case 'budget.rejected':
      return facts.rejected
        ? null
        : {
            facts: { ...facts, rejected: { at: message.at, by: message.by, reason: message.reason } },
            note: `Rejected by ${message.by}: ${message.reason}. The budget is unlocked and the hold released.`,
          };
    case 'budget.retrieved':
      return facts.retrieved
        ? null
        : { facts: { ...facts, retrieved: { at: message.at, by: message.by } }, note: `Retrieved by ${message.by}; the hold is released.` };
    case 'export.succeeded':
      return facts.succeeded
        ? null
        : {
            facts: { ...facts, succeeded: { at: message.at, erpReference: message.erpReference } },
            note: `Exported to the ERP (${message.erpReference}); entries await posting.`,
          };
    case 'export.failed':
      return facts.failed
        ? null
        : {
            facts: { ...facts, failed: { at: message.at, reasonCode: message.reasonCode, message: message.message } },
            note: `Export failed (${message.reasonCode}): ${message.message}`,
          };
    case 'erp.posted':
      return facts.posted
        ? null
        : { facts: { ...facts, posted: { at: message.at } }, note: 'Entries posted in the ERP; the hold is released.' };
    case 'timeout.check': {
      if (facts.timedOut || statusOf(facts) !== 'exporting') return null;
      const deadline = saga.deadline ?? addMs(facts.accepted!.at, options.timeoutMs);
      if (Date.parse(message.at) < Date.parse(deadline)) return null;
      return {
        facts: { ...facts, timedOut: { at: message.at } },
        note: `No answer from the ERP within ${Math.round(options.timeoutMs / 1000)} s; the export is marked failed (timeout).`,
      };
    }
    default:
      return assertNever(message);
  }
}

/** Whether the saga still holds the budget. */
export function holdsTheBudget(saga: Pick<ExportSaga, 'status'>): boolean {
  return saga.status !== 'posted' && saga.status !== 'rejected' && saga.status !== 'retrieved';
}

const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

function assertNever(value: never): never {
  throw new Error(`Unexpected message ${JSON.stringify(value)}`);
}
