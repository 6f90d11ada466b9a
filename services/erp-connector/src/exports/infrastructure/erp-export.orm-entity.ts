import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';
import type { ErpError } from '../../erp-adapters/erp-adapter';
import type { ExportData } from '../domain/export';

@Entity('erp_exports')
export class ErpExportOrmEntity {
  @PrimaryColumn({ name: 'export_id', type: 'text' })
  exportId!: string;

  @Column({ name: 'company_id', type: 'text' })
  companyId!: string;

  @Column({ type: 'text' })
  system!: string;

  /** Derived from the export's state by the mapper; never set on its own. */
  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'jsonb' })
  data!: ExportData;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'in_flight', type: 'boolean' })
  inFlight!: boolean;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: ErpError | null;

  @Column({ name: 'erp_reference', type: 'text', nullable: true })
  erpReference!: string | null;

  @Column({ name: 'exported_at', type: 'timestamptz', nullable: true })
  exportedAt!: Date | null;

  @Column({ name: 'reason_code', type: 'text', nullable: true })
  reasonCode!: string | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt!: Date | null;

  @Column({ name: 'next_posting_check_at', type: 'timestamptz', nullable: true })
  nextPostingCheckAt!: Date | null;

  @Column({ name: 'posting_checks', type: 'integer' })
  postingChecks!: number;

  @Column({ name: 'posted_at', type: 'timestamptz', nullable: true })
  postedAt!: Date | null;

  @Column({ name: 'cancelled_reason', type: 'text', nullable: true })
  cancelledReason!: string | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** Set anew by each lease: only its holder renews the lease and records the attempt. */
  @Column({ name: 'lease_token', type: 'uuid', nullable: true })
  leaseToken!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @VersionColumn()
  version!: number;
}

@Entity('erp_export_attempts')
export class ErpExportAttemptOrmEntity {
  @PrimaryColumn({ name: 'export_id', type: 'text' })
  exportId!: string;

  @PrimaryColumn({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** landed | found_in_erp | transient_failure | permanent_failure; null while in flight. */
  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  @Column({ name: 'error_code', type: 'text', nullable: true })
  errorCode!: string | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;
}
