import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMessagingTables1700000000000 implements MigrationInterface {
  name = 'CreateMessagingTables1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox_messages (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        topic text NOT NULL,
        message_key text NOT NULL,
        headers jsonb NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text NULL
      )`);
    await queryRunner.query(`CREATE INDEX outbox_messages_unpublished_idx ON outbox_messages (seq) WHERE published_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE inbox_messages (
        consumer_group text NOT NULL,
        message_id text NOT NULL,
        topic text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, message_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE inbox_messages`);
    await queryRunner.query(`DROP TABLE outbox_messages`);
  }
}
