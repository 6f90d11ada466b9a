import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The company's ERP integrations users, remembered from what they did (imports asked for), to tell them of drift. */
export class RememberIntegrationsUsers1765200000000 implements MigrationInterface {
  name = 'RememberIntegrationsUsers1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE notification_recipients ADD COLUMN is_integrations_user boolean NOT NULL DEFAULT false');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE notification_recipients DROP COLUMN is_integrations_user');
  }
}
