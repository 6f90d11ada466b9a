import { Injectable } from '@nestjs/common';
import type { InboxContext } from '@budget-erp/messaging';
import type { PayloadOf, SummaryOf, UserRef } from '@budget-erp/contracts';
import { TrackExportHandler } from '../../../daily-summary/application/track-export/track-export.handler';
import type { Person } from '../../domain/person';
import { planNotifications } from '../../domain/plan-notifications';
import { NotifyHandler } from '../notify/notify.handler';
import { EmailDispatcher } from '../dispatch-emails/email-dispatcher';

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
 * export for the daily summary, remember approvers, and notify the people concerned.
 */
@Injectable()
export class ReactToEventHandler {
  constructor(
    private readonly track: TrackExportHandler,
    private readonly notify: NotifyHandler,
    private readonly dispatcher: EmailDispatcher,
  ) {}

  async budgetSent(tx: InboxTransaction, event: IncomingEvent<SummaryOf<'budget.sent'>>): Promise<void> {
    const p = event.payload;
    await this.track.execute(tx.manager, p, {
      type: 'sent',
      at: p.sentAt,
      budgetName: p.snapshot.name,
      erpSystem: p.snapshot.erpSystem,
      jobNumber: p.snapshot.jobNumber,
      total: p.snapshot.total,
      sentBy: person(p.sentBy),
    });
  }

  async budgetRetrieved(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'budget.retrieved'>>): Promise<void> {
    await this.track.execute(tx.manager, event.payload, { type: 'retrieved', at: event.payload.retrievedAt });
  }

  async budgetAccepted(tx: InboxTransaction, event: IncomingEvent<SummaryOf<'budget.accepted'>>): Promise<void> {
    const p = event.payload;
    const state = await this.track.execute(
      tx.manager,
      p,
      {
        type: 'accepted',
        at: p.acceptedAt,
        budgetName: p.snapshot.name,
        erpSystem: p.snapshot.erpSystem,
        jobNumber: p.snapshot.jobNumber,
        total: p.snapshot.total,
        acceptedBy: person(p.acceptedBy),
        sentBy: person(p.sentBy),
      },
      [person(p.acceptedBy)],
    );
    await this.notifyAbout(tx, {
      type: 'budget_accepted',
      eventId: event.id,
      operationId: p.exportId,
      companyId: p.companyId,
      budgetId: p.budgetId,
      budgetName: state.budgetName ?? p.snapshot.name,
      occurredAt: p.acceptedAt,
      erpSystem: p.snapshot.erpSystem,
      jobNumber: p.snapshot.jobNumber,
      total: p.snapshot.total,
      acceptedBy: person(p.acceptedBy),
      createdBy: person(p.createdBy),
    });
  }

  async budgetRejected(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'budget.rejected'>>): Promise<void> {
    const p = event.payload;
    const state = await this.track.execute(tx.manager, p, { type: 'rejected', at: p.rejectedAt }, [person(p.rejectedBy)]);
    await this.notifyAbout(tx, {
      type: 'budget_rejected',
      eventId: event.id,
      operationId: p.exportId,
      companyId: p.companyId,
      budgetId: p.budgetId,
      budgetName: state.budgetName,
      occurredAt: p.rejectedAt,
      reason: p.reason,
      rejectedBy: person(p.rejectedBy),
      createdBy: person(p.createdBy),
    });
  }

  async exportSucceeded(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'export.succeeded'>>): Promise<void> {
    const p = event.payload;
    await this.track.execute(tx.manager, p, { type: 'succeeded', at: p.exportedAt }, [person(p.acceptedBy)]);
  }

  async exportFailed(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'export.failed'>>): Promise<void> {
    const p = event.payload;
    const state = await this.track.execute(
      tx.manager,
      p,
      { type: 'failed', at: p.failedAt, erpSystem: p.erpSystem, jobNumber: p.jobNumber, reasonCode: p.reasonCode, message: p.message },
      [person(p.acceptedBy)],
    );
    await this.notifyAbout(tx, {
      type: 'export_failed',
      eventId: event.id,
      operationId: p.exportId,
      companyId: p.companyId,
      budgetId: p.budgetId,
      budgetName: state.budgetName,
      occurredAt: p.failedAt,
      erpSystem: p.erpSystem,
      jobNumber: p.jobNumber,
      reasonCode: p.reasonCode,
      message: p.message,
      sentBy: person(p.sentBy),
      acceptedBy: person(p.acceptedBy),
    });
  }

  async exportTimedOut(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'budget.export.timed_out'>>): Promise<void> {
    const p = event.payload;
    const state = await this.track.execute(tx.manager, p, { type: 'timed_out', at: p.timedOutAt, message: p.message });
    // The timeout event names nobody: the people come from the export's earlier events.
    await this.notifyAbout(tx, {
      type: 'export_failed',
      eventId: event.id,
      operationId: p.exportId,
      companyId: p.companyId,
      budgetId: p.budgetId,
      budgetName: state.budgetName,
      occurredAt: p.timedOutAt,
      erpSystem: state.erpSystem,
      jobNumber: state.jobNumber,
      reasonCode: p.reasonCode,
      message: p.message,
      sentBy: state.sentBy,
      acceptedBy: state.acceptedBy,
    });
  }

  async erpPosted(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'erp.posted'>>): Promise<void> {
    const p = event.payload;
    const state = await this.track.execute(tx.manager, p, { type: 'posted', at: p.postedAt });
    await this.notifyAbout(tx, {
      type: 'erp_posted',
      eventId: event.id,
      operationId: p.exportId,
      companyId: p.companyId,
      budgetId: p.budgetId,
      budgetName: state.budgetName,
      occurredAt: p.postedAt,
      erpSystem: p.erpSystem,
      jobNumber: p.jobNumber,
      total: p.total,
      createdBy: person(p.createdBy),
    });
  }

  async budgetImported(tx: InboxTransaction, event: IncomingEvent<PayloadOf<'erp.budget.imported'>>): Promise<void> {
    const p = event.payload;
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

  private async notifyAbout(tx: InboxTransaction, fact: Parameters<typeof planNotifications>[0]): Promise<void> {
    const stored = await this.notify.execute(tx.manager, planNotifications(fact));
    // Once the queued email is committed, the dispatcher sends it without waiting for its next poll.
    if (stored.some((s) => s.emailQueued)) tx.afterCommit(() => this.dispatcher.nudge());
  }
}
