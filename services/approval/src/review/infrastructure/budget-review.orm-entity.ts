import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ExportRecord, ImportRecord } from '../domain/budget-review';

/** One budget as the approver sees it: the facts known about it plus columns derived for the lists. */
@Entity({ name: 'budget_reviews' })
@Index('budget_reviews_list_idx', ['companyId', 'listFilter', 'listedAt', 'budgetId'])
export class BudgetReviewOrmEntity {
  @PrimaryColumn({ name: 'budget_id', type: 'text' })
  budgetId!: string;

  @Column({ name: 'company_id', type: 'text' })
  companyId!: string;

  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ name: 'exports', type: 'jsonb' })
  exports!: Record<string, ExportRecord>;

  @Column({ name: 'imports', type: 'jsonb' })
  imports!: Record<string, ImportRecord>;

  @Column({ name: 'erp_status', type: 'text' })
  erpStatus!: string;

  @Column({ name: 'list_filter', type: 'text', nullable: true })
  listFilter!: string | null;

  @Column({ name: 'listed_at', type: 'timestamptz', nullable: true })
  listedAt!: Date | null;

  @Column({ name: 'origin', type: 'text' })
  origin!: string;

  @Column({ name: 'name', type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'erp_system', type: 'text', nullable: true })
  erpSystem!: string | null;

  @Column({ name: 'job_number', type: 'text', nullable: true })
  jobNumber!: string | null;

  @Column({ name: 'total', type: 'numeric', precision: 18, scale: 2, nullable: true })
  total!: string | null;

  @Column({ name: 'version', type: 'integer' })
  version!: number;
}

/** A project's link to an ERP job, and whether an ERP budget may still be imported into it. */
@Entity({ name: 'project_links' })
@Index('project_links_company_idx', ['companyId', 'linkedAt', 'projectId'])
export class ProjectLinkOrmEntity {
  @PrimaryColumn({ name: 'company_id', type: 'text' })
  companyId!: string;

  @PrimaryColumn({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ name: 'erp_system', type: 'text', nullable: true })
  erpSystem!: string | null;

  @Column({ name: 'job_number', type: 'text', nullable: true })
  jobNumber!: string | null;

  @Column({ name: 'job_name', type: 'text', nullable: true })
  jobName!: string | null;

  @Column({ name: 'linked_at', type: 'timestamptz', nullable: true })
  linkedAt!: Date | null;

  @Column({ name: 'budget_id', type: 'text', nullable: true })
  budgetId!: string | null;

  @Column({ name: 'imported', type: 'boolean', default: false })
  imported!: boolean;

  @Column({ name: 'exported', type: 'boolean', default: false })
  exported!: boolean;
}

/** The highest revision number an ERP job has used. */
@Entity({ name: 'job_revision_numbers' })
export class JobRevisionNumberOrmEntity {
  @PrimaryColumn({ name: 'company_id', type: 'text' })
  companyId!: string;

  @PrimaryColumn({ name: 'erp_system', type: 'text' })
  erpSystem!: string;

  @PrimaryColumn({ name: 'job_number', type: 'text' })
  jobNumber!: string;

  @Column({ name: 'last_number', type: 'integer' })
  lastNumber!: number;
}

/** What the approval service knows of a company's ERP connection. */
@Entity({ name: 'company_settings' })
export class CompanySettingsOrmEntity {
  @PrimaryColumn({ name: 'company_id', type: 'text' })
  companyId!: string;

  @Column({ name: 'erp_system', type: 'text', nullable: true })
  erpSystem!: string | null;

  @Column({ name: 'time_zone', type: 'text', nullable: true })
  timeZone!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export const approvalEntities = [
  BudgetReviewOrmEntity,
  ProjectLinkOrmEntity,
  JobRevisionNumberOrmEntity,
  CompanySettingsOrmEntity,
];
