import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { exportStatusOf, type ErpSystem, type ExportFact } from '@budget-erp/contracts';
import { ApplicationError } from '@budget-erp/service-kit';
import { ExportWorkers } from '../application/export-worker/export-workers.service';
import { ErpExportRepository } from '../infrastructure/erp-export.repository';
import { ErpSendRepository } from '../infrastructure/erp-send.repository';

@ApiTags('ERP exports')
@Controller('erp/exports')
export class ErpExportHttpController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ErpExportRepository) private readonly exports: ErpExportRepository,
    @Inject(ErpSendRepository) private readonly sends: ErpSendRepository,
    @Inject(ExportWorkers) private readonly workers: ExportWorkers,
  ) {}

  /**
   * Asks for a posting check now (the accountant says the entries are posted), instead of at the
   * next check of the backoff, which reaches hours for entries that stay unposted. The check goes
   * through the ERP's circuit breaker and honours its Retry-After like any other.
   */
  @Post(':exportId/posting-check')
  @ApiOperation({ summary: 'Check now whether the export\'s entries are posted in the ERP; erp.posted follows when they are' })
  @ApiResponse({ status: 202, description: '{ exportId, status: succeeded, nextPostingCheckAt }: the check is due now' })
  @ApiResponse({ status: 404, description: 'No such export in the caller\'s company (EXPORT.NOT_FOUND)' })
  @ApiResponse({ status: 409, description: 'The export is not awaiting posting: not landed yet, posted, failed or cancelled (EXPORT.NOT_AWAITING_POSTING)' })
  @HttpCode(202)
  @Requires('erp.manage')
  async checkPostingNow(@CurrentPrincipal() principal: Principal, @Param('exportId') exportId: string) {
    const due = await this.dataSource.transaction(async (manager) => {
      const loaded = await this.exports.find(manager, exportId);
      if (!loaded || loaded.state.data.companyId !== principal.companyId) throw ApplicationError.notFound('EXPORT.NOT_FOUND', `Export ${exportId} was not found`);
      const checked = await this.exports.postingCheckDueNow(manager, exportId);
      if (!checked) throw ApplicationError.conflict('EXPORT.NOT_AWAITING_POSTING', `Export ${exportId} is ${loaded.state.status}, not awaiting posting`);
      return checked;
    });
    this.workers.nudge(due.system as ErpSystem);
    return { exportId, status: 'succeeded', nextPostingCheckAt: due.nextPostingCheckAt.toISOString() };
  }

  /**
   * An export's attempts and outcome, and its place in the export lifecycle from what the
   * connector heard (`landedAfterGivenUp`: the ERP holds an export the platform had given up).
   */
  @Get(':exportId')
  @ApiOperation({ summary: 'The export\'s status, attempts and place in the export lifecycle' })
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
