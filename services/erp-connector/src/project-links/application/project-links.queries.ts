import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErpProjectLinkOrmEntity } from '../infrastructure/erp-project-link.orm-entity';
import type { ProjectLinkView } from './link-project.handler';

export const linkView = (row: ErpProjectLinkOrmEntity): ProjectLinkView => ({
  projectId: row.projectId,
  erpSystem: row.system,
  jobNumber: row.jobNumber,
  jobName: row.jobName,
  costCodes: row.costCodes,
  supportsSubJobs: row.supportsSubJobs,
  subJobs: row.subJobs,
  linkedAt: row.linkedAt.toISOString(),
});

export interface LinkPage {
  items: ProjectLinkView[];
  page: number;
  pageSize: number;
  total: number;
}

/** A company's project links; another company's are never found. */
@Injectable()
export class ProjectLinkQueries {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async link(companyId: string, projectId: string): Promise<ProjectLinkView | null> {
    const row = await this.dataSource.manager.findOne(ErpProjectLinkOrmEntity, { where: { companyId, projectId } });
    return row ? linkView(row) : null;
  }

  /** The company's links ordered by project id, one page (1-based). */
  async links(companyId: string, page: number, pageSize: number): Promise<LinkPage> {
    const [rows, total] = await this.dataSource.manager.findAndCount(ErpProjectLinkOrmEntity, {
      where: { companyId },
      order: { projectId: 'ASC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
    return { items: rows.map(linkView), page, pageSize, total };
  }
}
