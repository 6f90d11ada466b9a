import { Inject, Injectable } from '@nestjs/common';
import { Topics } from '@budget-erp/contracts';
import { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import { DataSource } from 'typeorm';
import type { Principal } from '@budget-erp/auth';
import { ErpConnectionsService } from '../../connections/application/erp-connections.service';
import { ErpProjectLinkOrmEntity } from '../infrastructure/erp-project-link.orm-entity';
import { adapterFor } from '../../erp-adapters/erp-adapter.registry';
import { httpErrorOfErp, noConnection } from '../../shared/erp-failure.http';

export interface ProjectLinkView {
  projectId: string;
  erpSystem: string;
  jobNumber: string;
  jobName: string;
  costCodes: { code: string; description: string }[];
  supportsSubJobs: boolean;
  subJobs: string[];
  linkedAt: string;
}

/** Links a project to an ERP job: reads the job's cost codes and sub jobs from the ERP, then publishes them. */
@Injectable()
export class LinkProjectHandler {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(ErpConnectionsService) private readonly connections: ErpConnectionsService,
  ) {}

  async execute(principal: Principal, projectId: string, jobNumber: string): Promise<ProjectLinkView> {
    const resolved = await this.dataSource.transaction((m) => this.connections.connectionFor(m, principal.companyId));
    if (!resolved) throw noConnection();
    const adapter = adapterFor(resolved.settings.system);
    const job = await adapter.fetchJob(resolved.connection, jobNumber);
    if (!job.ok) throw httpErrorOfErp(job.error);
    const erpSettings = adapter.readCompanySettings ? await adapter.readCompanySettings(resolved.connection) : null;

    const linkedAt = new Date();
    const supportsSubJobs = adapter.capabilities.subJobs;
    const subJobs = supportsSubJobs ? job.value.subJobs : [];
    await this.uow.run(async (manager) => {
      if (erpSettings?.ok) await this.connections.recordErpSettings(manager, principal.companyId, erpSettings.value);
      await manager.upsert(
        ErpProjectLinkOrmEntity,
        {
          companyId: principal.companyId,
          projectId,
          system: adapter.system,
          jobNumber,
          jobName: job.value.name,
          costCodes: job.value.costCodes,
          subJobs,
          supportsSubJobs,
          linkedAt,
          version: 1,
        },
        ['companyId', 'projectId'],
      );
      await this.outbox.publish(manager, {
        topic: Topics.ErpProjectLinked,
        subject: projectId,
        companyId: principal.companyId,
        payload: {
          projectId,
          companyId: principal.companyId,
          erpSystem: adapter.system,
          jobNumber,
          jobName: job.value.name,
          costCodes: job.value.costCodes,
          supportsSubJobs,
          subJobs,
          linkedBy: { userId: principal.userId, name: principal.name, email: principal.email },
          linkedAt: linkedAt.toISOString(),
        },
      });
    });
    return {
      projectId,
      erpSystem: adapter.system,
      jobNumber,
      jobName: job.value.name,
      costCodes: job.value.costCodes,
      supportsSubJobs,
      subJobs,
      linkedAt: linkedAt.toISOString(),
    };
  }
}
