import { Controller, Get, Inject, Param } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { exportStatusOf, type ExportFact } from '@budget-erp/contracts';
import { ApplicationError } from '@budget-erp/service-kit';
import { ErpExportRepository } from '../infrastructure/erp-export.repository';
import { ErpSendRepository } from '../infrastructure/erp-send.repository';

@Controller('erp/exports')
export class ErpExportHttpController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ErpExportRepository) private readonly exports: ErpExportRepository,
    @Inject(ErpSendRepository) private readonly sends: ErpSendRepository,
  ) {}

  /**
   * An export's attempts and outcome, and its place in the export lifecycle from what the
   * connector heard (`landedAfterGivenUp`: the ERP holds an export the platform had given up).
   */
  @Get(':exportId')
  @Requires('erp.read')
  async get(@CurrentPrincipal() principal: Principal, @Param('exportId') exportId: string) {
    // Reads run in a transaction: the embedded database serves one at a time across connections.
    const { loaded, attempts, heard } = await this.dataSource.transaction(async (manager) => ({
      loaded: await this.exports.find(manager, exportId),
      attempts: await this.exports.attempts(manager, exportId),
      heard: await this.sends.heard(manager, exportId),
    }));
    if (!loaded || loaded.state.data.companyId !== principal.companyId) throw ApplicationError.notFound('EXPORT.NOT_FOUND', `Export ${exportId} was not found`);
    const s = loaded.state;
    const own: ExportFact[] = s.status === 'succeeded' ? ['succeeded'] : s.status === 'posted' ? ['succeeded', 'posted'] : s.status === 'failed' ? ['failed'] : [];
    const facts = [...heard.facts, ...own];
    return {
      exportId,
      budgetId: s.data.budgetId,
      projectId: s.data.projectId,
      erpSystem: s.data.system,
      jobNumber: s.data.jobNumber,
      kind: s.data.kind,
      status: s.status,
      lifecycle: { facts: [...new Set(facts)].sort(), ...exportStatusOf(facts) },
      total: s.data.total,
      lineCount: s.data.lineCount,
      exportedLineCount: s.data.exportedLineCount,
      revision: s.data.revision,
      erpReference: s.status === 'succeeded' || s.status === 'posted' ? s.erpReference : null,
      exportedAt: s.status === 'succeeded' || s.status === 'posted' ? s.exportedAt : null,
      postedAt: s.status === 'posted' ? s.postedAt : null,
      failure: s.status === 'failed' ? { reasonCode: s.reasonCode, message: s.message, failedAt: s.failedAt } : null,
      cancelled: s.status === 'cancelled' ? { reason: s.reason, cancelledAt: s.cancelledAt } : null,
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
