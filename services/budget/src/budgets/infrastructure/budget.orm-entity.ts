import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ExportHold, ExportLine, ImportResult, ImportRun, ModificationChange, UserRef } from '../domain/budget';

@Entity({ name: 'budgets' })
@Index('budgets_company_project_idx', ['companyId', 'projectId', 'createdAt'])
export class BudgetOrmEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'company_id', type: 'text' })
  companyId!: string;

  @Column({ name: 'project_id', type: 'text' })
  projectId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  origin!: string;

  @Column({ type: 'boolean' })
  locked!: boolean;

  @Column({ name: 'erp_status', type: 'text' })
  erpStatus!: string;

  @Column({ type: 'boolean' })
  exported!: boolean;

  @Column({ name: 'synced_at', type: 'timestamptz', nullable: true })
  syncedAt!: Date | null;

  /** What the ERP holds, line by line; amounts as exact decimal strings. */
  @Column({ name: 'synced_lines', type: 'jsonb' })
  syncedLines!: ExportLine[];

  /** The export that holds the budget (no lines: those are in its snapshot); set exactly while erp_status is a held one. */
  @Column({ type: 'jsonb', nullable: true })
  hold!: ExportHold | null;

  /** The import that runs; set exactly while erp_status is importing. */
  @Column({ type: 'jsonb', nullable: true })
  importing!: ImportRun | null;

  @Column({ name: 'last_import', type: 'jsonb', nullable: true })
  lastImport!: ImportResult | null;

  @Column({ name: 'created_by', type: 'jsonb' })
  createdBy!: UserRef;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'integer' })
  version!: number;
}

@Entity({ name: 'budget_lines' })
@Index('budget_lines_budget_idx', ['budgetId', 'position'])
export class BudgetLineOrmEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'budget_id', type: 'text' })
  budgetId!: string;

  @Column({ type: 'integer' })
  position!: number;

  @Column({ name: 'cost_code', type: 'text' })
  costCode!: string;

  @Column({ name: 'cost_type', type: 'text', nullable: true })
  costType!: string | null;

  @Column({ name: 'sub_job', type: 'text', nullable: true })
  subJob!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Exact cents; pg returns bigint as a string. */
  @Column({ name: 'amount_cents', type: 'bigint' })
  amountCents!: string;
}

@Entity({ name: 'budget_modifications' })
@Index('budget_modifications_budget_idx', ['budgetId', 'position'])
export class BudgetModificationOrmEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'budget_id', type: 'text' })
  budgetId!: string;

  @Column({ type: 'integer' })
  position!: number;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text' })
  status!: string;

  /** Changes with exact decimal-string amounts. */
  @Column({ type: 'jsonb' })
  changes!: ModificationChange[];

  @Column({ name: 'sent_in', type: 'text', nullable: true })
  sentIn!: string | null;

  @Column({ type: 'boolean' })
  synced!: boolean;

  @Column({ name: 'created_by', type: 'jsonb' })
  createdBy!: UserRef;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
