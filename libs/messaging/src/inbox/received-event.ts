import { PayloadOf, Topic } from '@budget-erp/contracts';
import { EntityManager } from 'typeorm';

/** An event as a handler receives it: the envelope's attributes and the validated payload. */
export interface ReceivedEvent<T extends Topic = Topic> {
  /** `ce_id`: the inbox deduplicates on it. */
  id: string;
  /** Versioned type, e.g. `budget.sent.v1`. */
  type: string;
  topic: T;
  /** The budget id (or the aggregate the event is about). */
  subject: string;
  companyId: string;
  correlationId: string;
  causationId?: string;
  /** When the event happened (ISO-8601). */
  time: string;
  payload: PayloadOf<T>;
  partition: number;
  offset: string;
}

/** Second argument of every inbox handler (`@Ctx()`). */
export interface InboxContext<T extends Topic = Topic> {
  /** The transaction's manager: the inbox row and the handler's effects commit together or not at all. */
  manager: EntityManager;
  event: ReceivedEvent<T>;
  consumerGroup: string;
  /** The transport's label, e.g. the ERP system of a per-ERP worker. */
  label?: string;
  /**
   * Runs `callback` once the transaction that applies this event has committed (never if it rolls
   * back), e.g. to wake a worker that reads what the handler stored.
   */
  afterCommit(callback: () => void): void;
}
