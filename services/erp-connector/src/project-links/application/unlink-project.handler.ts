import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork } from '@budget-erp/messaging';
import { ErpProjectLinkOrmEntity } from '../infrastructure/erp-project-link.orm-entity';

export type UnlinkOutcome =
  | { outcome: 'unlinked'; projectId: string; jobNumber: string }
  | { outcome: 'not_linked' }
  | { outcome: 'exports_pending'; pending: number; jobNumber: string; erpSystem: string };

/** Export statuses that still need the link's job: not yet landed, or landed and awaiting posting. */
const PENDING_EXPORT_STATUSES = ['requested', 'attempting', 'succeeded'];

/** Removes a project's link to its ERP job, unless an export of the project is still on its way or awaiting posting. */
@Injectable()
export class UnlinkProjectHandler {
  constructor(@Inject(UnitOfWork) private readonly uow: UnitOfWork) {}

  async execute(companyId: string, projectId: string): Promise<UnlinkOutcome> {
    return this.uow.run(async (manager) => {
      const link = await manager.findOne(ErpProjectLinkOrmEntity, { where: { companyId, projectId }, lock: { mode: 'pessimistic_write' } });
      if (!link) return { outcome: 'not_linked' };
      const [{ pending }] = (await manager.query(
        `SELECT count(*)::int AS pending FROM erp_exports WHERE company_id = $1 AND data->>'projectId' = $2 AND status = ANY($3)`,
        [companyId, projectId, PENDING_EXPORT_STATUSES],
      )) as { pending: number }[];
      if (pending > 0) return { outcome: 'exports_pending', pending, jobNumber: link.jobNumber, erpSystem: link.system };
      await manager.delete(ErpProjectLinkOrmEntity, { companyId, projectId });
      return { outcome: 'unlinked', projectId, jobNumber: link.jobNumber };
    });
  }
}
