import { Inject, Injectable } from '@nestjs/common';
import type { Person } from '../../../notifications/domain/person';
import { CLOCK, type Clock, TRANSACTION_RUNNER, type TransactionRunner } from '../../../notifications/application/ports';
import { type Preferences, loadPreferences, savePreferences } from '../../infrastructure/recipient.repository';

/**
 * A user's notification preferences. Someone allowed to approve exports who saves their preferences
 * becomes a known approver of their company, so they get the daily summary before their first decision.
 */
@Injectable()
export class PreferencesHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly uow: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  read(companyId: string, userId: string): Promise<Preferences> {
    return this.uow.run((manager) => loadPreferences(manager, companyId, userId));
  }

  update(companyId: string, person: Person, change: { dailySummary?: boolean }, mayApprove: boolean): Promise<Preferences> {
    return this.uow.run((manager) =>
      savePreferences(manager, companyId, person, { dailySummary: change.dailySummary, approver: mayApprove }, this.clock.now()),
    );
  }
}
