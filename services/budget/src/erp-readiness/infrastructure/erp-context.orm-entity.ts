import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The company's ERP connection, as `erp.connection.updated` tells it. */
@Entity({ name: 'erp_connections' })
export class ErpConnectionOrmEntity {
  @PrimaryColumn({ name: 'company_id', type: 'text' })
  companyId!: string;

  @Column({ name: 'erp_system', type: 'text' })
  erpSystem!: string;

  @Column({ name: 'estimates_enabled', type: 'boolean' })
  estimatesEnabled!: boolean;

  @Column({ name: 'time_zone', type: 'text' })
  timeZone!: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A project's ERP job and its cost codes, as `erp.project.linked` tells it. */
@Entity({ name: 'project_links' })
export class ProjectLinkOrmEntity {
  @PrimaryColumn({ name: 'company_id', type: 'text' })
  companyId!: string;

  @PrimaryColumn({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ name: 'erp_system', type: 'text' })
  erpSystem!: string;

  @Column({ name: 'job_number', type: 'text' })
  jobNumber!: string;

  @Column({ name: 'job_name', type: 'text' })
  jobName!: string;

  @Column({ name: 'cost_codes', type: 'jsonb' })
  costCodes!: string[];

  @Column({ name: 'supports_sub_jobs', type: 'boolean' })
  supportsSubJobs!: boolean;

  @Column({ name: 'sub_jobs', type: 'jsonb' })
  subJobs!: string[];

  @Column({ name: 'linked_at', type: 'timestamptz' })
  linkedAt!: Date;
}
