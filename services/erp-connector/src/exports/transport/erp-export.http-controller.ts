import { Controller, Get, Inject, Param } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { ApplicationError } from '@budget-erp/service-kit';
import { ErpExportRepository } from '../infrastructure/erp-export.repository';

@Controller('erp/exports')
export class ErpExportHttpController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ErpExportRepository) private readonly exports: ErpExportRepository,
  ) {}

  /** An export's attempts and outcome. */
  @Get(':exportId')
  @Requires('erp.read')
  async get(@CurrentPrincipal() principal: Principal, @Param('exportId') exportId: string) {
    // Reads run in a transaction: the embedded database serves one at a time across connections.
    const { loaded, attempts } = await this.dataSource.transaction(async (manager) => ({
      loaded: await this.exports.find(manager, exportId),
      attempts: await this.exports.attempts(manager, exportId),
    }));
    if (!loaded || loaded.state.data.companyId !== principal.companyId) throw ApplicationError.notFound('EXPORT.NOT_FOUND', `Export ${exportId} was not found`);
    const s = loaded.state;
    return {
      exportId,
      budgetId: s.data.budgetId,
      projectId: s.data.projectId,
      erpSystem: s.data.system,
      jobNumber: s.data.jobNumber,
      kind: s.data.kind,
      status: s.status,
      total: s.data.total,
      lines: s.data.lines,
      revision: s.data.revision,
      erpReference: s.status === 'succeeded' || s.status === 'posted' ? s.erpReference : null,
      exportedAt: s.status === 'succeeded' || s.status === 'posted' ? s.exportedAt : null,
      postedAt: s.status === 'posted' ? s.postedAt : null,
      failure: s.status === 'failed' ? { reasonCode: s.reasonCode, message: s.message, failedAt: s.failedAt } : null,
      nextAttemptAt: s.status === 'attempting' ? s.nextAttemptAt : null,
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        startedAt: a.startedAt.toISOString(),
        finishedAt: a.finishedAt?.toISOString() ?? null,
        outcome: a.outcome ?? 'in_flight',
        errorCode: a.errorCode,
        message: a.message,
      })),
    };
  }
}
