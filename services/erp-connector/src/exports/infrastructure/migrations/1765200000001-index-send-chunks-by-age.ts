import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the retention purge find the oldest send chunks without scanning the table. */
export class IndexSendChunksByAge1765200000001 implements MigrationInterface {
  name = 'IndexSendChunksByAge1765200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX IF NOT EXISTS erp_send_chunks_received_at_idx ON erp_send_chunks (received_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS erp_send_chunks_received_at_idx');
  }
}
