import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the relay delete inbox rows past their retention by age, oldest first, without scanning the table. */
export class IndexInboxByProcessedAt1700000000100 implements MigrationInterface {
  name = 'IndexInboxByProcessedAt1700000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX inbox_messages_processed_at_idx ON inbox_messages (processed_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX inbox_messages_processed_at_idx');
  }
}
