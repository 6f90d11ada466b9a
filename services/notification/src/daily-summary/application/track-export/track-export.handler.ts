import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Person } from '../../../notifications/domain/person';
import { CLOCK, type Clock } from '../../../notifications/application/ports';
import { type HeardFact, type TrackedExport, aLaterSendSupersedesAnEarlierOne, evolve } from '../../domain/tracked-export';
import { rememberApprover } from '../../infrastructure/recipient.repository';
import { lockTrackedExport, otherSendsOfBudget, saveTrackedExport } from '../../infrastructure/tracked-export.repository';

export interface ExportRef {
  exportId: string;
  companyId: string;
  budgetId: string;
}

/** The export as it was before a fact was heard and as it is after. */
export interface TrackedChange {
  before: TrackedExport;
  after: TrackedExport;
}

/**
 * Follows one export through the facts heard about it, to know what waits for an approver and what
 * must be told, and remembers the people who decided on it as their company's approvers. A send
 * also settles which of the budget's sends supersedes which, whichever was heard first. Runs in
 * the inbox transaction.
 */
@Injectable()
export class TrackExportHandler {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  async execute(manager: EntityManager, ref: ExportRef, heard: HeardFact, approvers: Person[] = []): Promise<TrackedChange> {
    const now = this.clock.now();
    const change = await this.hear(manager, ref, heard, now);
    if (heard.fact === 'sent') {
      const thisSend = { exportId: ref.exportId, sentAt: heard.sent.at };
      for (const other of await otherSendsOfBudget(manager, ref)) {
        if (aLaterSendSupersedesAnEarlierOne(other, thisSend)) {
          await this.hear(manager, { ...ref, exportId: other.exportId }, { fact: 'superseded' }, now);
        } else if (aLaterSendSupersedesAnEarlierOne(thisSend, other)) {
          change.after = (await this.hear(manager, ref, { fact: 'superseded' }, now)).after;
        }
      }
    }
    for (const approver of approvers) await rememberApprover(manager, ref.companyId, approver, now);
    return change;
  }

  private async hear(manager: EntityManager, ref: ExportRef, heard: HeardFact, now: Date): Promise<TrackedChange> {
    const { state, version } = await lockTrackedExport(manager, ref, now);
    const after = evolve(state, heard);
    await saveTrackedExport(manager, after, version, now);
    return { before: state, after };
  }
}
