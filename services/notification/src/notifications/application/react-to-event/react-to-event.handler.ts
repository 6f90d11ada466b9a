import { Injectable } from '@nestjs/common';
import type { InboxContext } from '@budget-erp/messaging';
import type { PayloadOf, UserRef } from '@budget-erp/contracts';
import { type ExportRef, TrackExportHandler } from '../../../daily-summary/application/track-export/track-export.handler';
import type { HeardFact } from '../../../daily-summary/domain/tracked-export';
import { exportMailsNewlyDue } from '../../domain/export-mails';
import type { Person } from '../../domain/person';
import { planNotifications } from '../../domain/plan-notifications';
import { NotifyHandler } from '../notify/notify.handler';
import { EmailDispatcher } from '../dispatch-emails/email-dispatcher';
import { integrationsUsersOf, rememberIntegrationsUser } from '../../../daily-summary/infrastructure/recipient.repository';

const person = (ref: UserRef): Person => ({ userId: ref.userId, name: ref.name || ref.userId, email: ref.email });

/** The inbox transaction the event is applied in, and what to do once it has committed. */
type InboxTransaction = Pick<InboxContext, 'manager' | 'afterCommit'>;

/** An event as the inbox hands it over: its id (the CloudEvents `ce_id`) and validated payload. */
export interface IncomingEvent<P> {
  id: string;
  time: string;
  payload: P;
}

/**
 * What the service does with each event it consumes, inside the inbox transaction: follow the
 * export for the daily summary, remember approvers, and notify the people concerned once what
 * their mail says is known.
 */
@Injectable()
export class ReactToEventHandler {
  constructor(
    private readonly track: TrackExportHandler,
    private readonly notify: NotifyHandler,
    private readonly dispatcher: EmailDispatcher,
  ) {}

  async budgetSent(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'budget.sent'>>): Promise<void> {
    const p = event.payload;
    await this.trackAndTell(tx, p, {
      fact: 'sent',
      sent: {
        eventId: event.id,
        at: p.sentAt,
        budgetName: p.name,
        erpSystem: p.erpSystem,
        jobNumber: p.jobNumber,
        total: p.total,
        sentBy: person(p.sentBy),
        createdBy: person(p.createdBy),
      },
    });
  }

  async budgetRetrieved(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'budget.retrieved'>>): Promise<void> {
    await this.trackAndTell(tx, event.payload, { fact: 'retrieved' });
  }

  async budgetAccepted(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'budget.accepted'>>): Promise<void> {
    const p = event.payload;
    await this.trackAndTell(tx, p, { fact: 'accepted', accepted: { eventId: event.id, at: p.acceptedAt, acceptedBy: person(p.acceptedBy) } }, [
      person(p.acceptedBy),
    ]);
  }

  async budgetRejected(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'budget.rejected'>>): Promise<void> {
    const p = event.payload;
    await this.trackAndTell(
      tx,
      p,
      {
        fact: 'rejected',
        rejected: { eventId: event.id, at: p.rejectedAt, reason: p.reason, rejectedBy: person(p.rejectedBy), createdBy: person(p.createdBy) },
      },
      [person(p.rejectedBy)],
    );
  }

  async exportSucceeded(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'export.succeeded'>>): Promise<void> {
    const p = event.payload;
    await this.trackAndTell(tx, p, { fact: 'succeeded', succeeded: { eventId: event.id, at: p.exportedAt } }, [person(p.acceptedBy)]);
  }

  async exportFailed(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'export.failed'>>): Promise<void> {
    const p = event.payload;
    await this.trackAndTell(
      tx,
      p,
      {
        fact: 'failed',
        failure: {
          eventId: event.id,
          at: p.failedAt,
          source: 'failed',
          reasonCode: p.reasonCode,
          message: p.message,
          erpSystem: p.erpSystem,
          jobNumber: p.jobNumber,
          sentBy: person(p.sentBy),
          acceptedBy: person(p.acceptedBy),
        },
      },
      [person(p.acceptedBy)],
    );
  }

  async exportTimedOut(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'budget.export.timed_out'>>): Promise<void> {
    const p = event.payload;
    await this.trackAndTell(tx, p, {
      fact: 'timed_out',
      failure: {
        eventId: event.id,
        at: p.timedOutAt,
        source: 'timed_out',
        reasonCode: p.reasonCode,
        message: p.message,
        erpSystem: null,
        jobNumber: null,
        sentBy: null,
        acceptedBy: null,
      },
    });
  }

  async erpPosted(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'erp.posted'>>): Promise<void> {
    const p = event.payload;
    await this.trackAndTell(tx, p, {
      fact: 'posted',
      posted: { eventId: event.id, at: p.postedAt, erpSystem: p.erpSystem, jobNumber: p.jobNumber, total: p.total, createdBy: person(p.createdBy) },
    });
  }

  async budgetImported(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'erp.budget.imported'>>): Promise<void> {
    const p = event.payload;
    await rememberIntegrationsUser(tx.manager, p.companyId, person(p.requestedBy), new Date());
    await this.notifyAbout(tx, {
      type: 'import_succeeded',
      eventId: event.id,
      operationId: p.importId,
      companyId: p.companyId,
      budgetId: p.budgetId,
      budgetName: null,
      occurredAt: p.importedAt,
      mode: p.mode,
      erpSystem: p.erpSystem,
      jobNumber: p.jobNumber,
      lineCount: p.lines.length,
      total: p.total,
      requestedBy: person(p.requestedBy),
    });
  }

  async budgetImportFailed(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'erp.budget.import.failed'>>): Promise<void> {
    const p = event.payload;
    await rememberIntegrationsUser(tx.manager, p.companyId, person(p.requestedBy), new Date());
    await this.notifyAbout(tx, {
      type: 'import_failed',
      eventId: event.id,
      operationId: p.importId,
      companyId: p.companyId,
      budgetId: p.budgetId,
      budgetName: null,
      occurredAt: p.failedAt,
      reasonCode: p.reasonCode,
      message: p.message,
      requestedBy: person(p.requestedBy),
    });
  }

  /**
   * Tells the company's integrations users (approvers and those who asked for imports) once per
   * drift: a drift reported again with other lines keeps its id, and its notifications their keys.
   */
  async driftDetected(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'erp.budget.drift_detected'>>): Promise<void> {
    const p = event.payload;
    await this.notifyAbout(tx, {
      type: 'drift_detected',
      eventId: event.id,
      operationId: p.driftId,
      companyId: p.companyId,
      budgetId: p.budgetId,
      budgetName: null,
      occurredAt: p.detectedAt,
      erpSystem: p.erpSystem,
      jobNumber: p.jobNumber,
      origin: p.origin,
      lineCount: p.lines.length,
      platformTotal: p.platformTotal,
      erpTotal: p.erpTotal,
      integrationsUsers: await integrationsUsersOf(tx.manager, p.companyId),
    });
  }

  /** Records the fact and tells what it made due: each mail once, when everything it needs is heard. */
  private async trackAndTell(tx: InboxTransaction, ref: ExportRef, heard: HeardFact, approvers: Person[] = []): Promise<void> {
    const { before, after } = await this.track.execute(tx.manager, ref, heard, approvers);
    for (const fact of exportMailsNewlyDue(before, after)) await this.notifyAbout(tx, fact);
  }

  private async notifyAbout(tx: InboxTransaction, fact: Parameters<typeof planNotifications>[0]): Promise<void> {
    const stored = await this.notify.execute(tx.manager, planNotifications(fact));
    // Once the queued email is committed, the dispatcher sends it without waiting for its next poll.
    if (stored.some((s) => s.emailQueued)) tx.afterCommit(() => this.dispatcher.nudge());
  }
}
