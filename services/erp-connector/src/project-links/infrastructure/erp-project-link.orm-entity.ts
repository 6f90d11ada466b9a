import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';

@Entity('erp_project_links')
export class ErpProjectLinkOrmEntity {
  @PrimaryColumn({ name: 'company_id', type: 'text' })
  companyId!: string;

  @PrimaryColumn({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ type: 'text' })
  system!: string;

  @Column({ name: 'job_number', type: 'text' })
  jobNumber!: string;

  @Column({ name: 'job_name', type: 'text' })
  jobName!: string;

  @Column({ name: 'cost_codes', type: 'jsonb' })
  costCodes!: { code: string; description: string }[];

  @Column({ name: 'sub_jobs', type: 'jsonb' })
  subJobs!: string[];

  @Column({ name: 'supports_sub_jobs', type: 'boolean' })
  supportsSubJobs!: boolean;

  @Column({ name: 'linked_at', type: 'timestamptz' })
  linkedAt!: Date;

  @VersionColumn()
  version!: number;
}
