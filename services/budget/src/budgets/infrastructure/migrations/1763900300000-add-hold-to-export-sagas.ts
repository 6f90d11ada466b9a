import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddHoldToExportSagas1763900300000 implements MigrationInterface {
  name = 'AddHoldToExportSagas1763900300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE export_sagas ADD COLUMN IF NOT EXISTS hold jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE export_sagas DROP COLUMN IF EXISTS hold`);
  }
}
