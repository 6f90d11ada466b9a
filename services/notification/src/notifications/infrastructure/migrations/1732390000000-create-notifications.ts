import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotifications1732390000000 implements MigrationInterface {
  name = 'CreateNotifications1732390000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY,
        dedupe_key text NOT NULL UNIQUE,
        company_id text NOT NULL,
        recipient_user_id text NOT NULL,
        recipient_name text NOT NULL,
        recipient_email text NOT NULL,
        kind text NOT NULL,
        budget_id text,
        source_event_id text,
        subject text NOT NULL,
        body_text text NOT NULL,
        created_at timestamptz NOT NULL,
        read_at timestamptz
      )`);
    await runner.query(
      `CREATE INDEX notifications_feed_idx ON notifications (company_id, recipient_user_id, created_at DESC, id DESC)`,
    );
    await runner.query(`
      CREATE TABLE email_deliveries (
        id uuid PRIMARY KEY,
        notification_id uuid NOT NULL UNIQUE REFERENCES notifications (id),
        message_id text NOT NULL UNIQUE,
        to_address text NOT NULL,
        to_name text NOT NULL,
        subject text NOT NULL,
        body_text text NOT NULL,
        body_html text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        claimed_by text,
        claimed_until timestamptz,
        last_error text,
        created_at timestamptz NOT NULL,
        sent_at timestamptz,
        abandoned_at timestamptz
      )`);
    await runner.query(
      `CREATE INDEX email_deliveries_due_idx ON email_deliveries (next_attempt_at) WHERE sent_at IS NULL AND abandoned_at IS NULL`,
    );
    await runner.query(`
      CREATE TABLE notification_recipients (
        company_id text NOT NULL,
        user_id text NOT NULL,
        name text NOT NULL,
        email text NOT NULL,
        is_approver boolean NOT NULL DEFAULT false,
        daily_summary boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (company_id, user_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE notification_recipients`);
    await runner.query(`DROP TABLE email_deliveries`);
    await runner.query(`DROP TABLE notifications`);
  }
}
