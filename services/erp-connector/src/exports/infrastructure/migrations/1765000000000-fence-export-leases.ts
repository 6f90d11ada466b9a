import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each lease of an export carries a token: the worker that holds it renews the lease and records
 * its attempt's result only while the token is still its own, so a worker whose lease was taken
 * over can neither record a result nor keep calling the ERP.
 */
export class FenceExportLeases1765000000000 implements MigrationInterface {
  name = 'FenceExportLeases1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE erp_exports ADD COLUMN lease_token uuid');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE erp_exports DROP COLUMN lease_token');
  }
}
