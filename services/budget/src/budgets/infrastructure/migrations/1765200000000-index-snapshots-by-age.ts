import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the retention purge find the oldest sends without scanning every snapshot. */
export class IndexSnapshotsByAge1765200000000 implements MigrationInterface {
  name = 'IndexSnapshotsByAge1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX IF NOT EXISTS export_snapshots_sent_at_idx ON export_snapshots (sent_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS export_snapshots_sent_at_idx');
  }
}
