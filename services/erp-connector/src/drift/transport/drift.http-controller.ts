import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { ApplicationError } from '@budget-erp/service-kit';
import { httpErrorOfErp } from '../../shared/erp-failure.http';
import { DriftReconciler } from '../application/drift-reconciler.service';
import { totalOf } from '../domain/drift';
import { DriftBaselines, type DriftBaseline } from '../infrastructure/drift-baseline.repository';

const notSynced = (budgetId: string) => ApplicationError.notFound('BUDGET.NOT_SYNCED', `Budget ${budgetId} has not been synced with an ERP job`);

const view = (b: DriftBaseline) => ({
  budgetId: b.budgetId,
  projectId: b.projectId,
  erpSystem: b.system,
  jobNumber: b.jobNumber,
  origin: b.origin,
  status: b.state.status,
  driftId: b.state.status === 'drifted' ? b.state.driftId : null,
  lines: b.driftLines ?? [],
  platformTotal: totalOf(b.lines),
  erpTotal: b.erpTotal,
  checkedAt: b.lastCheckedAt,
});

/** Drift reconciliation of a synced budget: its last comparison with the ERP job, and a comparison on demand. */
@Controller('erp/budgets')
export class DriftHttpController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(DriftReconciler) private readonly reconciler: DriftReconciler,
  ) {}

  @Get(':budgetId/drift')
  @Requires('erp.read')
  async last(@CurrentPrincipal() principal: Principal, @Param('budgetId') budgetId: string) {
    const baseline = await this.dataSource.transaction((m) => DriftBaselines.find(m, principal.companyId, budgetId));
    if (!baseline) throw notSynced(budgetId);
    return view(baseline);
  }

  /**
   * Compares the budget with its ERP job now (outside the schedule and its spacing), publishes
   * `erp.budget.drift_detected` / `erp.budget.drift_resolved` if that changes what is known, and
   * answers the comparison.
   */
  @Post(':budgetId/drift-check')
  @HttpCode(200)
  @Requires('erp.manage')
  async checkNow(@CurrentPrincipal() principal: Principal, @Param('budgetId') budgetId: string) {
    const baseline = await this.dataSource.transaction((m) => DriftBaselines.find(m, principal.companyId, budgetId));
    if (!baseline) throw notSynced(budgetId);
    const outcome = await this.reconciler.checkNow(baseline);
    if (!outcome.ok) throw httpErrorOfErp(outcome.error);
    const after = await this.dataSource.transaction((m) => DriftBaselines.find(m, principal.companyId, budgetId));
    return view(after ?? baseline);
  }
}
