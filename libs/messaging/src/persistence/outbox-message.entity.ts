import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An event stored in the same transaction as the state change that caused it, waiting for the relay. */
@Entity({ name: 'outbox_messages' })
export class OutboxMessageEntity {
  /** Insertion order: the relay publishes in this order. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  seq!: string;

  /** The CloudEvents id (`ce_id`). */
  @Column({ type: 'uuid', unique: true })
  id!: string;

  @Column({ type: 'text' })
  topic!: string;

  /** Kafka key: the event's subject (budget id). */
  @Column({ name: 'message_key', type: 'text' })
  messageKey!: string;

  /** Kafka headers (CloudEvents binary mode). */
  @Column({ type: 'jsonb' })
  headers!: Record<string, string>;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  /** Failed publish attempts. */
  @Column({ type: 'int' })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** Set when the event can never be published (e.g. too large for the broker); `last_error` says why. */
  @Column({ name: 'abandoned_at', type: 'timestamptz', nullable: true })
  abandonedAt!: Date | null;
}
