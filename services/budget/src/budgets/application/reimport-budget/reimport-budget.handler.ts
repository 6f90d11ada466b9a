import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PayloadOf } from '@budget-erp/contracts';
import { UserRef } from '../../domain/budget';
import { loadErpContext } from '../../../erp-readiness/infrastructure/erp-context.repository';
import { latestProjectBudgetId, loadBudget } from '../../infrastructure/budget.repository';
import { BudgetCommands } from '../budget-commands';
import { Clock, CLOCK, TransactionRunner, TRANSACTION_RUNNER } from '../ports';

/**
 * Re-import of an ERP-origin budget, or initial import into a named budget: asynchronous. The request publishes `budget.import.requested`;
 * the ERP connector answers `erp.budget.imported` or `erp.budget.import.failed`.
 */
@Injectable()
export class ReimportBudgetHandler {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BudgetCommands) private readonly commands: BudgetCommands,
  ) {}

  request(companyId: string, budgetId: string, by: UserRef, erpDigest?: string, expectedVersion?: number): Promise<{ importId: string; erpStatus: string }> {
    return this.tx.run(async (manager) => {
      const importId = randomUUID();
      const result = await this.commands.execute(manager, companyId, budgetId, async (budget) => ({
        type: 'RequestReimport',
        importId,
        by,
        at: this.clock.now().toISOString(),
        erp: await loadErpContext(manager, companyId, budget.projectId),
        erpDigest,
      }), expectedVersion);
      return { importId, erpStatus: result.budget.erp.status };
    });
  }

  /**
   * Initial import of the linked ERP job's budget into this budget: refused at once (409, with the
   * rule) when the budget is locked, held by an export or a platform budget already exported;
   * otherwise the budget is `importing` until the connector's outcome arrives.
   */
  requestInitial(companyId: string, budgetId: string, mode: 'initial_overwrite' | 'initial_keep_and_add', by: UserRef, erpDigest?: string, expectedVersion?: number): Promise<{ importId: string; erpStatus: string }> {
    return this.tx.run(async (manager) => {
      const importId = randomUUID();
      const result = await this.commands.execute(manager, companyId, budgetId, async (budget) => ({
        type: 'RequestInitialImport',
        importId,
        mode,
        by,
        at: this.clock.now().toISOString(),
        erp: await loadErpContext(manager, companyId, budget.projectId),
        erpDigest,
      }), expectedVersion);
      return { importId, erpStatus: result.budget.erp.status };
    });
  }

  /** The ERP's budget arrived: a re-import completes; an initial import fills the project's budget. */
  async imported(manager: EntityManager, event: PayloadOf<'erp.budget.imported'>): Promise<void> {
    const at = event.importedAt;
    const lines = event.lines.map((line) => ({ id: randomUUID(), ...line }));
    let budgetId = event.budgetId;
    if (!budgetId) {
      const target = await latestProjectBudgetId(manager, event.companyId, event.projectId);
      if (!target) {
        const created = await this.commands.create(manager, {
          type: 'CreateBudget',
          budgetId: randomUUID(),
          companyId: event.companyId,
          projectId: event.projectId,
          name: `Budget imported from ${event.jobNumber}`,
          lines: [],
          createdBy: event.requestedBy,
          at,
        });
        budgetId = created.budget.id;
      } else {
        budgetId = target;
      }
    }
    const loaded = await loadBudget(manager, event.companyId, budgetId);
    if (!loaded) return;
    const decision = await this.commands.applyOrRefusal(manager, loaded.budget, loaded.version, {
      type: 'CompleteImport',
      importId: event.importId,
      mode: event.mode,
      lines,
      at,
    });
    if (decision) throw new ImportNotApplicable(decision);
  }

  async failed(manager: EntityManager, event: PayloadOf<'erp.budget.import.failed'>): Promise<void> {
    if (!event.budgetId) return;
    const loaded = await loadBudget(manager, event.companyId, event.budgetId);
    if (!loaded) return;
    await this.commands.apply(manager, loaded.budget, loaded.version, {
      type: 'FailImport',
      importId: event.importId,
      message: event.message,
      at: event.failedAt,
    });
  }
}

/** An import result the budget cannot take (e.g. it was locked meanwhile): dead-lettered with the rule. */
export class ImportNotApplicable extends Error {
  constructor(readonly refusal: { code: string; message: string }) {
    super(`${refusal.code}: ${refusal.message}`);
    this.name = 'ImportNotApplicable';
  }
}
