import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Person } from '../../../notifications/domain/person';
import { CLOCK, type Clock } from '../../../notifications/application/ports';
import { type ExportFact, type PendingExport, evolve } from '../../domain/pending-export';
import { rememberApprover } from '../../infrastructure/recipient.repository';
import { lockTrackedExport, saveTrackedExport } from '../../infrastructure/tracked-export.repository';

export interface ExportRef {
  exportId: string;
  companyId: string;
  budgetId: string;
}

/**
 * Follows one export through its events to know what waits for an approver, and remembers the
 * people who decided on it as their company's approvers. Runs in the inbox transaction.
 */
@Injectable()
export class TrackExportHandler {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  async execute(manager: EntityManager, ref: ExportRef, fact: ExportFact, approvers: Person[] = []): Promise<PendingExport> {
    const now = this.clock.now();
    const { state, version } = await lockTrackedExport(manager, ref, now);
    const next = evolve(state, fact);
    await saveTrackedExport(manager, next, version, now);
    for (const approver of approvers) await rememberApprover(manager, ref.companyId, approver, now);
    return next;
  }
}
