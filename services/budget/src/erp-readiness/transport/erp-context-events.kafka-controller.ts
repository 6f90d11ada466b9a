import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type Topic, Topics } from '@budget-erp/contracts';
import type { InboxContext, ReceivedEvent } from '@budget-erp/messaging';
import { ErpConnectionOrmEntity, ProjectLinkOrmEntity } from '../infrastructure/erp-context.orm-entity';
import { upsertConnection, upsertProjectLink } from '../infrastructure/erp-context.repository';

/** Feeds the readiness read model: the company's ERP and each project's ERP job. */
@Controller()
export class ErpContextEventsKafkaController {
  @EventPattern<Topic>(Topics.ErpConnectionUpdated)
  onConnection(@Payload() e: ReceivedEvent<'erp.connection.updated'>, @Ctx() ctx: InboxContext) {
    const p = e.payload;
    return upsertConnection(
      ctx.manager,
      Object.assign(new ErpConnectionOrmEntity(), {
        companyId: p.companyId,
        erpSystem: p.erpSystem,
        estimatesEnabled: p.estimatesEnabled,
        timeZone: p.timeZone,
        updatedAt: new Date(p.updatedAt),
      }),
    );
  }

  @EventPattern<Topic>(Topics.ErpProjectLinked)
  onProjectLinked(@Payload() e: ReceivedEvent<'erp.project.linked'>, @Ctx() ctx: InboxContext) {
    const p = e.payload;
    return upsertProjectLink(
      ctx.manager,
      Object.assign(new ProjectLinkOrmEntity(), {
        companyId: p.companyId,
        projectId: p.projectId,
        erpSystem: p.erpSystem,
        jobNumber: p.jobNumber,
        jobName: p.jobName,
        costCodes: p.costCodes.map((c) => c.code),
        supportsSubJobs: p.supportsSubJobs,
        subJobs: p.subJobs,
        linkedAt: new Date(p.linkedAt),
      }),
    );
  }
}
