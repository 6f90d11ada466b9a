import { MigrationInterface, QueryRunner } from 'typeorm';

/** Rows that can never be published are set aside (`abandoned_at`) so they stop blocking the others. */
export class AddOutboxAbandonment1700000000050 implements MigrationInterface {
  name = 'AddOutboxAbandonment1700000000050';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox_messages ADD COLUMN abandoned_at timestamptz NULL`);
    await queryRunner.query(`DROP INDEX outbox_messages_unpublished_idx`);
    await queryRunner.query(`CREATE INDEX outbox_messages_pending_idx ON outbox_messages (seq) WHERE published_at IS NULL AND abandoned_at IS NULL`);
    await queryRunner.query(`CREATE INDEX outbox_messages_abandoned_idx ON outbox_messages (seq) WHERE abandoned_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX outbox_messages_abandoned_idx`);
    await queryRunner.query(`DROP INDEX outbox_messages_pending_idx`);
    await queryRunner.query(`CREATE INDEX outbox_messages_unpublished_idx ON outbox_messages (seq) WHERE published_at IS NULL`);
    await queryRunner.query(`ALTER TABLE outbox_messages DROP COLUMN abandoned_at`);
  }
}
