import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the retention purge find the oldest notifications, deliveries and summary claims without scanning their tables. */
export class IndexForRetention1765100000000 implements MigrationInterface {
  name = 'IndexForRetention1765100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE INDEX IF NOT EXISTS notifications_created_at_idx ON notifications (created_at)');
    await runner.query('CREATE INDEX IF NOT EXISTS email_deliveries_created_at_idx ON email_deliveries (created_at)');
    await runner.query('CREATE INDEX IF NOT EXISTS daily_summaries_created_at_idx ON daily_summaries (created_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX IF EXISTS daily_summaries_created_at_idx');
    await runner.query('DROP INDEX IF EXISTS email_deliveries_created_at_idx');
    await runner.query('DROP INDEX IF EXISTS notifications_created_at_idx');
  }
}
