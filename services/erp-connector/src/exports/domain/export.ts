import type { ErpFailureCode, ErpSystem, RevisionFields, UserRef } from '@budget-erp/contracts';
import type { ErpCapabilities, ErpError, ErpLine } from '../../erp-adapters/erp-adapter';

/** What to export, fixed when the export is requested. */
export interface ExportData {
  exportId: string;
  budgetId: string;
  projectId: string;
  companyId: string;
  system: ErpSystem;
  jobNumber: string;
  kind: 'original' | 'revision';
  /** Sent to the ERP with every attempt, so the ERP can say whether this export already landed. */
  idempotencyKey: string;
  description: string | null;
  revision: RevisionFields | null;
  lines: ErpLine[];
  total: string;
  sentBy: UserRef;
  acceptedBy: UserRef;
  createdBy: UserRef;
  /** The export's flow: every event it causes carries this correlation id. */
  correlationId: string;
  /** The `budget.accepted` event that requested it. */
  causationId: string;
}

interface Base {
  data: ExportData;
  attempts: number;
}

export type ExportState =
  | { status: 'none' }
  | (Base & { status: 'requested' })
  | (Base & { status: 'attempting'; inFlight: boolean; nextAttemptAt: string | null; lastError: ErpError | null })
  | (Base & { status: 'succeeded'; erpReference: string; exportedAt: string; nextPostingCheckAt: string; postingChecks: number })
  | (Base & { status: 'failed'; reasonCode: ErpFailureCode; message: string; failedAt: string })
  | (Base & { status: 'posted'; erpReference: string; exportedAt: string; postedAt: string });

export type ExportCommand =
  | { type: 'RequestExport'; data: ExportData; capabilities: ErpCapabilities; erpName: string; now: string }
  | { type: 'StartAttempt'; now: string }
  | { type: 'RecordLanded'; erpReference: string; now: string }
  | { type: 'RecordFailure'; error: ErpError; now: string; retryAt: string; maxAttempts: number }
  /** `missing`: the ERP holds no record of this export at its reference (see the adapters' posting checks). */
  | { type: 'RecordPostingCheck'; found: 'posted' | 'unposted' | 'missing'; reason?: string; now: string; nextCheckAt: string };

export type ExportEvent =
  | { type: 'ExportRequested'; data: ExportData; at: string }
  | { type: 'AttemptStarted'; attempt: number; checkErpFirst: boolean; at: string }
  | { type: 'AttemptFailed'; attempt: number; error: ErpError; retryAt: string; at: string }
  | { type: 'ExportLanded'; erpReference: string; at: string }
  | { type: 'ExportFailed'; reasonCode: ErpFailureCode; message: string; at: string }
  | { type: 'PostingNotYetSeen'; nextCheckAt: string; at: string }
  | { type: 'ExportPosted'; at: string };

export interface ExportError {
  code: 'EXPORT.ALREADY_REQUESTED' | 'EXPORT.NOT_REQUESTED' | 'EXPORT.ATTEMPT_NOT_ALLOWED' | 'EXPORT.NO_ATTEMPT_IN_FLIGHT' | 'EXPORT.NOT_AWAITING_POSTING';
  message: string;
}

export type Decision = { ok: true; events: ExportEvent[] } | { ok: false; error: ExportError };

const accept = (...events: ExportEvent[]): Decision => ({ ok: true, events });
const refuse = (code: ExportError['code'], message: string): Decision => ({ ok: false, error: { code, message } });

/** Lines an ERP without sub jobs cannot take, named for the accountant. */
export function linesTheErpCannotTake(lines: ErpLine[], capabilities: ErpCapabilities): string[] {
  if (capabilities.subJobs) return [];
  return lines.filter((l) => l.subJob !== null).map((l) => `${l.costCode} (sub job ${l.subJob})`);
}

export function decide(state: ExportState, command: ExportCommand): Decision {
  switch (command.type) {
    case 'RequestExport': {
      if (state.status !== 'none') return refuse('EXPORT.ALREADY_REQUESTED', `Export ${command.data.exportId} was already requested`);
      const requested: ExportEvent = { type: 'ExportRequested', data: command.data, at: command.now };
      const withSubJobs = linesTheErpCannotTake(command.data.lines, command.capabilities);
      if (withSubJobs.length > 0) {
        return accept(requested, {
          type: 'ExportFailed',
          reasonCode: 'sub_jobs_not_supported',
          message: `${command.erpName} has no sub jobs; remove the sub job from these lines: ${withSubJobs.join(', ')}`,
          at: command.now,
        });
      }
      if (command.data.lines.length === 0) {
        return accept(requested, { type: 'ExportFailed', reasonCode: 'validation_rejected', message: 'There are no changed amounts to export', at: command.now });
      }
      return accept(requested);
    }
    case 'StartAttempt':
      if (state.status !== 'requested' && state.status !== 'attempting') {
        return refuse('EXPORT.ATTEMPT_NOT_ALLOWED', `An export that is ${state.status} is not attempted again`);
      }
      return accept({ type: 'AttemptStarted', attempt: state.attempts + 1, checkErpFirst: exportMayAlreadyHaveLanded(state), at: command.now });
    case 'RecordLanded':
      if (state.status !== 'attempting' || !state.inFlight) return refuse('EXPORT.NO_ATTEMPT_IN_FLIGHT', 'No attempt of this export is in flight');
      return accept({ type: 'ExportLanded', erpReference: command.erpReference, at: command.now });
    case 'RecordFailure': {
      if (state.status !== 'attempting' || !state.inFlight) return refuse('EXPORT.NO_ATTEMPT_IN_FLIGHT', 'No attempt of this export is in flight');
      const { error } = command;
      if (error.kind === 'permanent' || state.attempts >= command.maxAttempts) {
        const message = error.kind === 'permanent' ? error.message : `${error.message}; gave up after ${state.attempts} attempts`;
        return accept({ type: 'ExportFailed', reasonCode: error.code, message, at: command.now });
      }
      return accept({ type: 'AttemptFailed', attempt: state.attempts, error, retryAt: command.retryAt, at: command.now });
    }
    case 'RecordPostingCheck':
      if (state.status !== 'succeeded') return refuse('EXPORT.NOT_AWAITING_POSTING', `An export that is ${state.status} is not awaiting posting`);
      switch (command.found) {
        case 'posted':
          return accept({ type: 'ExportPosted', at: command.now });
        case 'unposted':
          return accept({ type: 'PostingNotYetSeen', nextCheckAt: command.nextCheckAt, at: command.now });
        case 'missing':
          // An ERP that forgot the export (or numbers another one the same) is no posting: the export failed.
          return accept({
            type: 'ExportFailed',
            reasonCode: 'erp_record_missing',
            message: `The ERP no longer holds this export (${state.erpReference}): ${command.reason ?? 'no record at that reference'}. Send the budget again.`,
            at: command.now,
          });
        default:
          return assertNever(command.found);
      }
    default:
      return assertNever(command);
  }
}

export function evolve(state: ExportState, event: ExportEvent): ExportState {
  switch (event.type) {
    case 'ExportRequested':
      return { status: 'requested', data: event.data, attempts: 0 };
    case 'AttemptStarted':
      if (state.status === 'none') return state;
      return { status: 'attempting', data: state.data, attempts: event.attempt, inFlight: true, nextAttemptAt: null, lastError: lastErrorOf(state) };
    case 'AttemptFailed':
      if (state.status === 'none') return state;
      return { status: 'attempting', data: state.data, attempts: state.attempts, inFlight: false, nextAttemptAt: event.retryAt, lastError: event.error };
    case 'ExportLanded':
      if (state.status === 'none') return state;
      return { status: 'succeeded', data: state.data, attempts: state.attempts, erpReference: event.erpReference, exportedAt: event.at, nextPostingCheckAt: event.at, postingChecks: 0 };
    case 'ExportFailed':
      if (state.status === 'none') return state;
      return { status: 'failed', data: state.data, attempts: state.attempts, reasonCode: event.reasonCode, message: event.message, failedAt: event.at };
    case 'PostingNotYetSeen':
      if (state.status !== 'succeeded') return state;
      return { ...state, nextPostingCheckAt: event.nextCheckAt, postingChecks: state.postingChecks + 1 };
    case 'ExportPosted':
      if (state.status !== 'succeeded') return state;
      return { status: 'posted', data: state.data, attempts: state.attempts, erpReference: state.erpReference, exportedAt: state.exportedAt, postedAt: event.at };
    default:
      return assertNever(event);
  }
}

/** Any attempt that started may have been applied by the ERP even if its reply never came. */
function exportMayAlreadyHaveLanded(state: ExportState): boolean {
  return state.status === 'attempting' && state.attempts > 0;
}

const lastErrorOf = (state: ExportState): ErpError | null => (state.status === 'attempting' ? state.lastError : null);

export const applyAll = (state: ExportState, events: ExportEvent[]): ExportState => events.reduce(evolve, state);

function assertNever(value: never): never {
  throw new Error(`Unhandled ${JSON.stringify(value)}`);
}
