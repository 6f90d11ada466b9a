import {
  type BudgetReview,
  type Person,
  type ReviewFact,
  type SentExport,
  assertNever,
  currentExport,
  erpStatusOf,
  linesReady,
} from './budget-review';
import { type Decision, reviewError } from './review.errors';
import { type RevisionDefaults, type RevisionInput, resolveRevisionFields } from './revision-fields';

export type ReviewCommand =
  | {
      type: 'accept';
      by: Person;
      at: string;
      description: string | null;
      revision: RevisionInput | undefined;
      defaults: Omit<RevisionDefaults, 'approverName'>;
    }
  | { type: 'reject'; by: Person; at: string; reason: string };

export type DecisionFact = Extract<ReviewFact, { type: 'accepted' | 'rejected' }>;

const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');

/** What already happened to a send that rules out another decision on it, in the approver's words. */
function sendCannotBeDecidedTwice(send: SentExport, forReject: boolean): Decision<never> | null {
  if (send.retrieved && !send.accepted && !send.rejected) {
    return reviewError(
      'APPROVAL.SEND_RETRIEVED',
      `the budget was retrieved from ERP by ${send.retrieved.by.name} at ${when(send.retrieved.at)} and is no longer awaiting acceptance`,
    );
  }
  if (send.rejected) {
    return reviewError(
      'APPROVAL.ALREADY_REJECTED',
      `the budget was already rejected by ${send.rejected.by.name} at ${when(send.rejected.at)}: ${send.rejected.reason}`,
    );
  }
  if (send.accepted && !(forReject && (send.failed || send.timedOut) && !send.succeeded)) {
    return reviewError(
      'APPROVAL.ALREADY_ACCEPTED',
      `the budget was already accepted by ${send.accepted.by.name} at ${when(send.accepted.at)}`,
    );
  }
  return null;
}

export function decide(state: BudgetReview, command: ReviewCommand): Decision<DecisionFact> {
  const send = currentExport(state);
  if (!send) return reviewError('APPROVAL.NOT_SENT', 'the budget has not been sent to ERP');
  const refusedBefore = sendCannotBeDecidedTwice(send, command.type === 'reject');
  if (refusedBefore) return refusedBefore;
  if (!linesReady(state)) {
    return reviewError(
      'APPROVAL.LINES_NOT_READY',
      `the budget's lines are still arriving (${send.sent.summary.lineCount} lines sent); it can be decided once all of them are here`,
    );
  }
  const status = erpStatusOf(state);
  switch (command.type) {
    case 'accept': {
      if (status !== 'awaiting_acceptance') {
        return reviewError('APPROVAL.NOT_AWAITING_ACCEPTANCE', `the budget is ${status.replace(/_/g, ' ')}, not awaiting acceptance`);
      }
      return {
        ok: true,
        events: [
          {
            type: 'accepted',
            exportId: send.exportId,
            at: command.at,
            by: command.by,
            description: command.description?.trim() || null,
            revision: resolveRevisionFields(send.sent.summary.kind, command.revision, {
              ...command.defaults,
              // A token may carry no display name; the ERP still needs someone in "approved by".
              approverName: command.by.name.trim() || command.by.email || command.by.userId,
            }),
          },
        ],
      };
    }
    case 'reject': {
      if (status !== 'awaiting_acceptance' && status !== 'failed_to_export') {
        return reviewError(
          'APPROVAL.NOT_REJECTABLE',
          `the budget is ${status.replace(/_/g, ' ')}; only a budget awaiting acceptance or failed to export can be rejected`,
        );
      }
      const reason = command.reason.trim();
      if (!reason) return reviewError('APPROVAL.REASON_REQUIRED', 'a rejection needs a reason');
      return {
        ok: true,
        events: [{ type: 'rejected', exportId: send.exportId, at: command.at, by: command.by, reason }],
      };
    }
    default:
      return assertNever(command);
  }
}
