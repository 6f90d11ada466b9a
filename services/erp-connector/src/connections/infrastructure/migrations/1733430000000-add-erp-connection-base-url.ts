import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A company's own ERP address, for ERPs hosted per customer (CMiC, Acumatica). */
export class AddErpConnectionBaseUrl1733430000000 implements MigrationInterface {
  name = 'AddErpConnectionBaseUrl1733430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE erp_connections ADD COLUMN base_url text NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE erp_connections DROP COLUMN base_url');
  }
}
