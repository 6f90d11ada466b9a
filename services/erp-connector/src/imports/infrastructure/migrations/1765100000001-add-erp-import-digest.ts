import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The digest of the ERP budget an import's user previewed: the import applies only that ERP budget. */
export class AddErpImportDigest1765100000001 implements MigrationInterface {
  name = 'AddErpImportDigest1765100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE erp_imports ADD COLUMN erp_digest text NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE erp_imports DROP COLUMN erp_digest');
  }
}
