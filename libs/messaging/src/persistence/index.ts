import { InboxMessageEntity } from './inbox-message.entity';
import { CreateMessagingTables1700000000000 } from './migrations/1700000000000-create-messaging-tables';
import { AddOutboxAbandonment1700000000050 } from './migrations/1700000000050-add-outbox-abandonment';
import { IndexInboxByProcessedAt1700000000100 } from './migrations/1700000000100-index-inbox-by-processed-at';
import { OutboxMessageEntity } from './outbox-message.entity';

export { InboxMessageEntity, OutboxMessageEntity, CreateMessagingTables1700000000000, AddOutboxAbandonment1700000000050, IndexInboxByProcessedAt1700000000100 };

/** Add to the service's TypeORM `entities`. */
export const messagingEntities = [OutboxMessageEntity, InboxMessageEntity];

/** Add to the service's TypeORM `migrations`: creates `outbox_messages` and `inbox_messages`. */
export const messagingMigrations = [CreateMessagingTables1700000000000, AddOutboxAbandonment1700000000050, IndexInboxByProcessedAt1700000000100];
