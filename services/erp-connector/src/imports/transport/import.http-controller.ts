import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { UnitOfWork } from '@budget-erp/messaging';
import { ApiZodBody, ApplicationError, ZodBody } from '@budget-erp/service-kit';
import { ErpProjectLinkOrmEntity } from '../../project-links/infrastructure/erp-project-link.orm-entity';
import type { ErpSystem } from '@budget-erp/contracts';
import { erpBudgetOf, ImportErpBudgetHandler } from '../application/import-erp-budget.handler';
import { httpErrorOfErp } from '../../shared/erp-failure.http';
import { ImportWorker } from '../application/import-worker.service';
import { ErpImportQueue } from '../infrastructure/erp-import.repository';
import { initialImportRefusal } from '../domain/initial-import-rules';
import { knownExportsOfBudget } from '../infrastructure/known-exports-of-budget.query';
import { resyncAfterImport } from '../../drift/application/resync-baseline';

const ImportBody = z.strictObject({
  mode: z.enum(['overwrite', 'keep_and_add']).default('overwrite'),
  budgetId: z.string().min(1).max(200).optional(),
});

@Controller('erp/projects')
export class ImportHttpController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(ImportErpBudgetHandler) private readonly importBudget: ImportErpBudgetHandler,
    @Inject(ImportWorker) private readonly worker: ImportWorker,
  ) {}

  /**
   * The import preview: the linked ERP job's budget read live from the ERP (lines above $0, their
   * total) and its `digest`. A re-import or import that passes the digest (`erpDigest`) applies
   * exactly these lines, or fails with `erp_changed` when the ERP holds another budget by then.
   */
  @Get(':projectId/erp-budget')
  @Requires('erp.read')
  async preview(@CurrentPrincipal() principal: Principal, @Param('projectId') projectId: string) {
    const link = await this.dataSource.transaction((m) => m.findOne(ErpProjectLinkOrmEntity, { where: { companyId: principal.companyId, projectId } }));
    if (!link) throw ApplicationError.notFound('ERP.PROJECT_NOT_LINKED', `Project ${projectId} is not linked to an ERP job`);
    const system = link.system as ErpSystem;
    const read = await this.importBudget.read(this.dataSource, { companyId: principal.companyId, projectId, budgetId: null, system, jobNumber: link.jobNumber, mode: 'reimport', requestedBy: { userId: principal.userId, name: principal.name, email: principal.email } });
    if (!read.ok) throw httpErrorOfErp(read.error);
    const budget = erpBudgetOf(read.value);
    return { projectId, erpSystem: system, jobNumber: link.jobNumber, lines: budget.lines, total: budget.total, digest: budget.digest, readAt: new Date().toISOString() };
  }

  /**
   * Initial import of the linked ERP job's budget into the project; the outcome is published as an
   * event. When the ERP does not answer, the answer is `importing` and the import worker retries. A named budget must be of this project (else 404) and never exported (else 409), as far
   * as the connector's own exports tell.
   */
  @Post(':projectId/import')
  @ApiZodBody(ImportBody, 'overwrite the project budget lines or keep them and add the ERP ones')
  @HttpCode(202)
  @Requires('erp.manage')
  async import(@CurrentPrincipal() principal: Principal, @Param('projectId') projectId: string, @Body(new ZodBody(ImportBody)) body: z.output<typeof ImportBody>) {
    if (body.budgetId) {
      const budgetId = body.budgetId;
      const exports = await this.dataSource.transaction((m) => knownExportsOfBudget(m, principal.companyId, budgetId));
      const refusal = initialImportRefusal(budgetId, projectId, exports);
      if (refusal?.kind === 'not_found') throw ApplicationError.notFound(refusal.code, refusal.message);
      if (refusal) throw ApplicationError.conflict(refusal.code, refusal.message);
    }
    const link = await this.dataSource.transaction((m) => m.findOne(ErpProjectLinkOrmEntity, { where: { companyId: principal.companyId, projectId } }));
    if (!link) throw ApplicationError.conflict('ERP.PROJECT_NOT_LINKED', 'ERP data has not been synced: link the project to an ERP job first');
    const request = {
      importId: randomUUID(),
      companyId: principal.companyId,
      projectId,
      budgetId: body.budgetId ?? null,
      system: link.system as ErpSystem,
      jobNumber: link.jobNumber,
      mode: body.mode === 'overwrite' ? ('initial_overwrite' as const) : ('initial_keep_and_add' as const),
      requestedBy: { userId: principal.userId, name: principal.name, email: principal.email },
    };
    const read = await this.importBudget.read(this.dataSource, request);
    if (!read.ok && read.error.kind === 'transient') {
      // The ERP did not answer: the import worker tries again with backoff and publishes the outcome.
      await this.uow.run((manager) => ErpImportQueue.enqueue(manager, request));
      this.worker.nudge();
      return { importId: request.importId, status: 'importing' as const, message: read.error.message };
    }
    return this.uow.run(async (manager) => {
      const outcome = await this.importBudget.publish(manager, request, read);
      if (outcome.status === 'imported' && read.ok) await resyncAfterImport(manager, request, erpBudgetOf(read.value).lines);
      return outcome;
    });
  }
}
