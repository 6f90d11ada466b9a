import { exportStatusOf, type ExportFact, type ExportStatus } from '@budget-erp/contracts';

/**
 * The export saga of one send: it holds the budget from send until the export is posted, or the
 * send is rejected, retrieved or superseded. It keeps the facts it heard about the export (a set:
 * any arrival order and any number of deliveries end the same) and takes the export's status from
 * the platform's one export lifecycle.
 */

export type { ExportFact };
export type SagaStatus = ExportStatus;

/** What the saga keeps of each fact, keyed by the fact. */
export interface FactDetails {
  sent: { at: string; by: string };
  retrieved: { at: string; by: string };
  accepted: { at: string; by: string };
  rejected: { at: string; by: string; reason: string };
  succeeded: { at: string; erpReference: string };
  failed: { at: string; reasonCode: string; message: string };
  timed_out: { at: string };
  posted: { at: string };
  superseded: { at: string; byExportId: string };
}

/** The facts heard, with what each told; `lost` is read from a failure's reason (see `factsOf`). */
export type SagaFacts = { [F in Exclude<ExportFact, 'lost'>]?: FactDetails[F] };

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
  /** The ERP holds this export although the platform had given up on it. */
  landedAfterGivenUp: boolean;
  facts: SagaFacts;
  /** When an accepted export that heard nothing more is marked failed. */
  deadline: string | null;
  timeline: TimelineEntry[];
  startedAt: string;
}

export type SagaMessage =
  | { type: 'budget.accepted'; at: string; by: string }
  | { type: 'budget.rejected'; at: string; by: string; reason: string }
  | { type: 'budget.retrieved'; at: string; by: string }
  | { type: 'budget.sent.superseded'; at: string; byExportId: string }
  | { type: 'export.succeeded'; at: string; erpReference: string }
  | { type: 'export.failed'; at: string; reasonCode: string; message: string }
  | { type: 'erp.posted'; at: string }
  /** The sweeper's look at an accepted export: times it out once its deadline passed. */
  | { type: 'timeout.check'; at: string }
  /** The export is timed out, whatever its deadline (the fact itself, as the lifecycle test feeds it). */
  | { type: 'budget.export.timed_out'; at: string };

/** What the saga asks of the rest of the service. */
export type SagaEffect =
  | {
      type: 'ApplyToBudget';
      status: SagaStatus;
      /** The export is first known to have reached the ERP (succeeded or posted) with this message. */
      landed: boolean;
      landedAfterGivenUp: boolean;
    }
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
}

export interface Reaction {
  saga: ExportSaga;
  effects: SagaEffect[];
}

/** Step 1: the send takes the export hold (the budget's own `BudgetSent` event). */
export function startSaga(start: SagaStarted): ExportSaga {
  const facts: SagaFacts = { sent: { at: start.at, by: start.sentBy } };
  return {
    exportId: start.exportId,
    budgetId: start.budgetId,
    companyId: start.companyId,
    projectId: start.projectId,
    erpSystem: start.erpSystem,
    kind: start.kind,
    ...lifecycleOf(facts),
    facts,
    deadline: null,
    timeline: [
      { at: start.at, event: 'budget.sent', note: `Sent for accounting acceptance by ${start.sentBy}; the export hold is taken.`, status: 'awaiting_acceptance' },
    ],
    startedAt: start.at,
  };
}

/** The facts heard, as the lifecycle's fact set. */
export const factsOf = (facts: SagaFacts): ExportFact[] => {
  const known = (Object.keys(facts) as (keyof SagaFacts)[]).filter((fact) => facts[fact] !== undefined) as ExportFact[];
  // The ERP lost the export after it succeeded (its record is missing or someone else's): not a posting.
  if (facts.failed?.reasonCode === ERP_RECORD_MISSING) known.push('lost');
  return known;
};

const landedIn = (facts: SagaFacts): boolean => facts.succeeded !== undefined || facts.posted !== undefined;

export function lifecycleOf(facts: SagaFacts): { status: SagaStatus; landedAfterGivenUp: boolean } {
  return exportStatusOf(factsOf(facts));
}

/** The reason code of an export the ERP no longer holds after it succeeded. */
export const ERP_RECORD_MISSING = 'erp_record_missing';

export interface SagaOptions {
  timeoutMs: number;
}

export function react(saga: ExportSaga, message: SagaMessage, options: SagaOptions): Reaction {
  const learned = learn(saga, message, options);
  if (!learned) return { saga, effects: [] };
  const { status, landedAfterGivenUp } = lifecycleOf(learned.facts);
  const deadline = status === 'exporting' ? (saga.deadline ?? addMs(message.at, options.timeoutMs)) : saga.deadline;
  const event = message.type === 'timeout.check' ? 'timeout' : message.type;
  const next: ExportSaga = {
    ...saga,
    facts: learned.facts,
    status,
    landedAfterGivenUp,
    deadline,
    timeline: [...saga.timeline, { at: message.at, event, note: learned.note, status }],
  };
  const effects: SagaEffect[] = [];
  if (learned.facts.timed_out && !saga.facts.timed_out) {
    effects.push({ type: 'PublishTimedOut', message: learned.note, at: message.at });
  }
  const landed = landedIn(learned.facts) && !landedIn(saga.facts);
  if (status !== saga.status || landed) effects.push({ type: 'ApplyToBudget', status, landed, landedAfterGivenUp });
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
    case 'budget.sent.superseded':
      return facts.superseded
        ? null
        : {
            facts: { ...facts, superseded: { at: message.at, byExportId: message.byExportId } },
            note: `Superseded by the newer send ${message.byExportId}; this export must never reach the ERP.`,
          };
    case 'export.succeeded':
      return facts.succeeded
        ? null
        : {
            facts: { ...facts, succeeded: { at: message.at, erpReference: message.erpReference } },
            note: `Exported to the ERP (${message.erpReference}); entries await posting.${givenUpNote(facts)}`,
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
        : { facts: { ...facts, posted: { at: message.at } }, note: 'Entries posted in the ERP; the hold is released.' + (facts.succeeded ? '' : givenUpNote(facts)) };
    case 'timeout.check': {
      if (facts.timed_out || lifecycleOf(facts).status !== 'exporting') return null;
      const deadline = saga.deadline ?? addMs(facts.accepted!.at, options.timeoutMs);
      if (Date.parse(message.at) < Date.parse(deadline)) return null;
      return {
        facts: { ...facts, timed_out: { at: message.at } },
        note: `No answer from the ERP within ${Math.round(options.timeoutMs / 1000)} s; the export is marked failed (timeout).`,
      };
    }
    case 'budget.export.timed_out':
      return facts.timed_out ? null : { facts: { ...facts, timed_out: { at: message.at } }, note: 'No answer from the ERP in time; the export is marked failed (timeout).' };
    default:
      return assertNever(message);
  }
}

/** Said of a landing the platform did not expect any more. */
function givenUpNote(facts: SagaFacts): string {
  const givenUp = (['rejected', 'retrieved', 'timed_out', 'superseded'] as const).filter((fact) => facts[fact]);
  return givenUp.length > 0
    ? ` It reached the ERP after it had been ${givenUp.map((fact) => fact.replace('_', ' ')).join(', ')}: what the ERP holds includes it.`
    : '';
}

const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

function assertNever(value: never): never {
  throw new Error(`Unexpected message ${JSON.stringify(value)}`);
}
