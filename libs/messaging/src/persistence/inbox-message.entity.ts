import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An event a consumer group has applied, recorded in the same transaction as its effects. */
@Entity({ name: 'inbox_messages' })
export class InboxMessageEntity {
  @PrimaryColumn({ name: 'consumer_group', type: 'text' })
  consumerGroup!: string;

  /** The CloudEvents id (`ce_id`). */
  @PrimaryColumn({ name: 'message_id', type: 'text' })
  messageId!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
}
