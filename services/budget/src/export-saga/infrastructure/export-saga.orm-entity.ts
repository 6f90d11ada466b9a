import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { SagaFacts, TimelineEntry } from '../domain/export-saga';

@Entity({ name: 'export_sagas' })
@Index('export_sagas_budget_idx', ['budgetId', 'startedAt'])
@Index('export_sagas_deadline_idx', ['status', 'deadline'])
export class ExportSagaOrmEntity {
  @PrimaryColumn({ name: 'export_id', type: 'text' })
  exportId!: string;

  @Column({ name: 'budget_id', type: 'text' })
  budgetId!: string;

  @Column({ name: 'company_id', type: 'text' })
  companyId!: string;

  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ name: 'erp_system', type: 'text' })
  erpSystem!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'jsonb' })
  facts!: SagaFacts;

  @Column({ type: 'timestamptz', nullable: true })
  deadline!: Date | null;

  @Column({ type: 'jsonb' })
  timeline!: TimelineEntry[];

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ type: 'integer' })
  version!: number;
}
