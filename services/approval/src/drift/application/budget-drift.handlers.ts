import type { EntityManager } from 'typeorm';
import type { PayloadOf, UserRef } from '@budget-erp/contracts';
import { ReviewUseCaseError, type TransactionRunner } from '../../review/application/ports';
import { resolutionFor } from '../domain/drift-resolution';
import { BudgetDrifts, type BudgetDrift } from '../infrastructure/budget-drift.repository';

/** A drift as the ERP Integrations tool shows it: each differing line, platform amount against ERP amount, and the fix offered. */
export function driftView(d: BudgetDrift) {
  return {
    budgetId: d.budgetId,
    projectId: d.projectId,
    driftId: d.driftId,
    status: d.resolvedAt ? ('resolved' as const) : d.acknowledged ? ('acknowledged' as const) : ('open' as const),
    origin: d.origin,
    erpSystem: d.erpSystem,
    jobNumber: d.jobNumber,
    detectedAt: d.detectedAt,
    resolvedAt: d.resolvedAt,
    lines: d.lines,
    platformTotal: d.platformTotal,
    erpTotal: d.erpTotal,
    resolution: resolutionFor(d.origin),
    acknowledged: d.acknowledged,
  };
}
export type DriftView = ReturnType<typeof driftView>;

const noDrift = (budgetId: string) => new ReviewUseCaseError('not_found', 'APPROVAL.NO_DRIFT', `budget ${budgetId} has never differed from its ERP job`);

/** Records the connector's drift reports (in the inbox transaction: a redelivered one changes nothing). */
export const recordDriftDetected = (manager: EntityManager, p: PayloadOf<'erp.budget.drift_detected'>) => BudgetDrifts.detected(manager, p);
export const recordDriftResolved = (manager: EntityManager, p: PayloadOf<'erp.budget.drift_resolved'>) => BudgetDrifts.resolved(manager, p);

export class BudgetDriftHandlers {
  constructor(private readonly tx: TransactionRunner) {}

  /** The budget's open drift, else its latest one; 404 when it never drifted (or is another company's). */
  drift(companyId: string, budgetId: string): Promise<DriftView> {
    return this.tx.run(async (m) => {
      const drift = (await BudgetDrifts.open(m, companyId, budgetId)) ?? (await BudgetDrifts.latest(m, companyId, budgetId));
      if (!drift) throw noDrift(budgetId);
      return driftView(drift);
    });
  }

  /** The open drift of a budget for its review, or null. */
  openDrift(manager: EntityManager, companyId: string, budgetId: string): Promise<BudgetDrift | null> {
    return BudgetDrifts.open(manager, companyId, budgetId);
  }

  /**
   * Acknowledges the budget's open drift with a note instead of fixing it: it leaves the
   * out-of-sync list until the ERP job differs in another way (a new drift). The drift named must
   * be the open one, so that an acknowledgement never covers a difference the user has not seen.
   */
  acknowledge(command: { companyId: string; budgetId: string; driftId: string; note: string; by: UserRef; now: Date }): Promise<DriftView> {
    return this.tx.run(async (m) => {
      const drift = await BudgetDrifts.open(m, command.companyId, command.budgetId, true);
      if (!drift) {
        const latest = await BudgetDrifts.latest(m, command.companyId, command.budgetId);
        if (!latest) throw noDrift(command.budgetId);
        throw new ReviewUseCaseError('conflict', 'APPROVAL.DRIFT_RESOLVED', `the budget agrees with its ERP job again (drift ${latest.driftId} was resolved); nothing to acknowledge`);
      }
      if (drift.driftId !== command.driftId) {
        throw new ReviewUseCaseError('conflict', 'APPROVAL.DRIFT_CHANGED', `the budget's open drift is ${drift.driftId}, not ${command.driftId}: review it again before acknowledging`);
      }
      if (drift.acknowledged) {
        throw new ReviewUseCaseError('conflict', 'APPROVAL.DRIFT_ALREADY_ACKNOWLEDGED', `drift ${drift.driftId} was already acknowledged by ${drift.acknowledged.by.name} at ${drift.acknowledged.at}`);
      }
      const acknowledged = { by: command.by, note: command.note, at: command.now.toISOString() };
      await BudgetDrifts.acknowledge(m, command.companyId, command.budgetId, drift.driftId, acknowledged);
      return driftView({ ...drift, acknowledged });
    });
  }
}
