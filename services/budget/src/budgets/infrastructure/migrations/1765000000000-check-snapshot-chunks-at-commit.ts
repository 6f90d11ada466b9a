import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A send streams its lines into `export_snapshot_chunks` before it knows the count and digest its
 * `export_snapshots` row (immutable, so written once) records: the chunks' reference to that row is
 * checked at commit instead of per statement.
 */
export class CheckSnapshotChunksAtCommit1765000000000 implements MigrationInterface {
  name = 'CheckSnapshotChunksAtCommit1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE export_snapshot_chunks ALTER CONSTRAINT export_snapshot_chunks_export_id_fkey DEFERRABLE INITIALLY DEFERRED`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE export_snapshot_chunks ALTER CONSTRAINT export_snapshot_chunks_export_id_fkey NOT DEFERRABLE`);
  }
}
