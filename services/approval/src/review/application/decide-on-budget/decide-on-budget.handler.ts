import type { EntityManager } from 'typeorm';
import { Topics } from '@budget-erp/contracts';
import { type Person, currentExport, evolve } from '../../domain/budget-review';
import { type ReviewCommand, decide } from '../../domain/decide';
import { type RevisionInput, nextRevisionNumber, todayIn } from '../../domain/revision-fields';
import { companyTimeZone, lockLastRevisionNumber, recordRevisionNumber } from '../../infrastructure/project-link.repository';
import { StaleReviewError, loadReview, saveReview } from '../../infrastructure/review.repository';
import { type Clock, type EventPublisher, ReviewUseCaseError, type TransactionRunner, budgetNotFound } from '../ports';

const MAX_ATTEMPTS = 3;

export interface DecisionRequest {
  budgetId: string;
  companyId: string;
  by: Person;
  /** The review's version the approver decided on (`If-Match`): another stored version refuses the decision. */
  expectedVersion?: number;
}

export interface AcceptRequest extends DecisionRequest {
  description: string | null;
  revision: RevisionInput | undefined;
}

export interface RejectRequest extends DecisionRequest {
  reason: string;
}

export interface DecisionOutcome {
  budgetId: string;
  exportId: string;
  erpStatus: 'exporting' | 'not_sent';
  /** The review's version after the decision (its ETag). */
  version: number;
}

/**
 * Accepting and rejecting: the decision, the read model and the published event commit together.
 * When another approver decided first, the refusal says what they did.
 */
export class DecideOnBudget {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly events: EventPublisher,
    private readonly clock: Clock,
  ) {}

  accept(request: AcceptRequest): Promise<DecisionOutcome> {
    return this.decideNamingTheWinner((manager) => this.acceptIn(manager, request));
  }

  reject(request: RejectRequest): Promise<DecisionOutcome> {
    return this.decideNamingTheWinner((manager) => this.rejectIn(manager, request));
  }

  /**
   * When another writer changed the review between load and save, the decision is taken again on
   * what they did: after a concurrent accept that is a refusal naming who accepted and when.
   */
  private async decideNamingTheWinner(
    work: (manager: EntityManager) => Promise<DecisionOutcome>,
  ): Promise<DecisionOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tx.run(work);
      } catch (error) {
        if (!(error instanceof StaleReviewError)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new ReviewUseCaseError(
            'conflict',
            'APPROVAL.CONCURRENT_CHANGE',
            'the budget kept changing while deciding; reload it and try again',
          );
        }
      }
    }
  }

  private async acceptIn(manager: EntityManager, request: AcceptRequest): Promise<DecisionOutcome> {
    const loaded = await this.load(manager, request);
    const now = this.clock.now();
    const send = currentExport(loaded.state);
    const job = send && {
      companyId: request.companyId,
      erpSystem: send.sent.summary.erpSystem,
      jobNumber: send.sent.summary.jobNumber,
    };
    const isRevision = send?.sent.summary.kind === 'revision';
    const needsNumber = isRevision && request.revision?.number === undefined;
    const lastNumber = job && needsNumber ? await lockLastRevisionNumber(manager, job) : null;
    const command: ReviewCommand = {
      type: 'accept',
      by: request.by,
      at: now.toISOString(),
      description: request.description,
      revision: request.revision,
      defaults: { today: todayIn(await companyTimeZone(manager, request.companyId), now), nextNumber: nextRevisionNumber(lastNumber) },
    };
    const decision = decide(loaded.state, command);
    if (!decision.ok) throw new ReviewUseCaseError('conflict', decision.error.code, decision.error.message);
    checkExpectedVersion(request, loaded.version);
    const [accepted] = decision.events;
    if (accepted.type !== 'accepted' || !send || !job) throw new Error('accept decided something else');
    await saveReview(manager, evolve(loaded.state, accepted), loaded.version);
    if (accepted.revision) await recordRevisionNumber(manager, job, accepted.revision.number);
    // The decision only: every consumer has the send, its lines and who sent it from budget.sent.
    await this.events.publish(manager, {
      topic: Topics.BudgetAccepted,
      subject: request.budgetId,
      companyId: request.companyId,
      payload: {
        budgetId: request.budgetId,
        projectId: loaded.state.projectId,
        companyId: request.companyId,
        exportId: accepted.exportId,
        description: accepted.description,
        revision: accepted.revision,
        acceptedBy: accepted.by,
        acceptedAt: accepted.at,
      },
    });
    return { budgetId: request.budgetId, exportId: accepted.exportId, erpStatus: 'exporting', version: loaded.version + 1 };
  }

  private async rejectIn(manager: EntityManager, request: RejectRequest): Promise<DecisionOutcome> {
    const loaded = await this.load(manager, request);
    const decision = decide(loaded.state, { type: 'reject', by: request.by, at: this.clock.now().toISOString(), reason: request.reason });
    if (!decision.ok) throw new ReviewUseCaseError('conflict', decision.error.code, decision.error.message);
    checkExpectedVersion(request, loaded.version);
    const [rejected] = decision.events;
    const send = currentExport(loaded.state);
    if (rejected.type !== 'rejected' || !send) throw new Error('reject decided something else');
    await saveReview(manager, evolve(loaded.state, rejected), loaded.version);
    await this.events.publish(manager, {
      topic: Topics.BudgetRejected,
      subject: request.budgetId,
      companyId: request.companyId,
      payload: {
        budgetId: request.budgetId,
        projectId: loaded.state.projectId,
        companyId: request.companyId,
        exportId: rejected.exportId,
        reason: rejected.reason,
        rejectedBy: rejected.by,
        rejectedAt: rejected.at,
        sentBy: send.sent.sentBy,
        createdBy: send.sent.createdBy,
        afterFailedExport: Boolean(send.failed || send.timedOut),
      },
    });
    return { budgetId: request.budgetId, exportId: rejected.exportId, erpStatus: 'not_sent', version: loaded.version + 1 };
  }

  private async load(manager: EntityManager, request: DecisionRequest) {
    const loaded = await loadReview(manager, request.budgetId);
    if (!loaded || loaded.state.companyId !== request.companyId) throw budgetNotFound(request.budgetId);
    return loaded;
  }
}

/**
 * A decision given for another version of the review than the stored one (`If-Match`) is refused
 * with the current version. Checked after the domain's own refusals, so a budget another approver
 * already decided still says who decided and when.
 */
function checkExpectedVersion(request: DecisionRequest, version: number): void {
  if (request.expectedVersion === undefined || request.expectedVersion === version) return;
  throw new ReviewUseCaseError(
    'conflict',
    'APPROVAL.VERSION_MISMATCH',
    `the budget's review is at version ${version}, not ${request.expectedVersion}: it changed since you read it; reload it and decide again`,
    [{ path: 'If-Match', message: `current version ${version}` }],
  );
}
