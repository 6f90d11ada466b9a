import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';

@Entity('erp_connections')
export class ErpConnectionOrmEntity {
  @PrimaryColumn({ name: 'company_id', type: 'text' })
  companyId!: string;

  @Column({ type: 'text' })
  system!: string;

  @Column({ name: 'erp_company_id', type: 'text' })
  erpCompanyId!: string;

  @Column({ name: 'estimates_enabled', type: 'boolean' })
  estimatesEnabled!: boolean;

  @Column({ name: 'time_zone', type: 'text' })
  timeZone!: string;

  /** The company's own ERP address (ERPs hosted per customer); null: the operator's URL for the ERP. */
  @Column({ name: 'base_url', type: 'text', nullable: true })
  baseUrl!: string | null;

  /** AES-256-GCM sealed credentials; never leaves this service in clear. */
  @Column({ name: 'sealed_credentials', type: 'text', nullable: true })
  sealedCredentials!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @VersionColumn()
  version!: number;
}
