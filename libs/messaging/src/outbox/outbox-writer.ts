import { randomUUID } from 'node:crypto';
import { CloudEventEnvelope, contractFor, messageKeyOf, PayloadOf, Topic, toKafkaHeaders } from '@budget-erp/contracts';
import { EntityManager } from 'typeorm';
import type { ZodType } from 'zod';
import { correlationContext } from '../correlation/correlation-context';
import { MessagingBugError } from '../errors';

export interface PublishRequest<T extends Topic> {
  topic: T;
  /** The aggregate the event is about (the budget id); also the Kafka key (with the company on a compacted topic: `messageKeyOf`). */
  subject: string;
  companyId: string;
  payload: PayloadOf<T>;
  /** Default: the correlation context's, else a new id (a new flow starts here). */
  correlationId?: string;
  /** Default: the correlation context's (the event or request being handled). */
  causationId?: string;
  /** The event id (`ce_id`, a uuid). Default: a new one. */
  id?: string;
}

export interface OutboxWriterOptions {
  /** The producing service; the CloudEvents source is `/<serviceName>`. */
  serviceName: string;
}

/** Where a transaction's query runner records that it stored events (its `data` is per transaction). */
const STORED_EVENTS = 'budgetErp.outboxStoredEvents';

/** Whether `manager`'s transaction has stored events in the outbox so far: worth nudging the relay after its commit. */
export function storedEventsIn(manager: EntityManager): boolean {
  return manager.queryRunner?.data?.[STORED_EVENTS] === true;
}

/** Stores events in the outbox, inside the caller's transaction. */
export class OutboxWriter {
  constructor(private readonly options: OutboxWriterOptions) {}

  /**
   * Validates the payload with the topic's contract and inserts the event with `manager`, so it
   * commits (or rolls back) together with the state change. Returns the stored envelope.
   */
  async publish<T extends Topic>(manager: EntityManager, request: PublishRequest<T>): Promise<CloudEventEnvelope> {
    const [envelope] = await this.publishAll(manager, [request as PublishRequest<Topic>]);
    return envelope;
  }

  /**
   * Like `publish` for several events at once (a send's summary and its line chunks), in order,
   * with one multi-row INSERT per about 4 MB of payload instead of a round trip per event.
   */
  async publishAll(manager: EntityManager, requests: readonly PublishRequest<Topic>[]): Promise<CloudEventEnvelope[]> {
    const envelopes: CloudEventEnvelope[] = [];
    let rows: unknown[][] = [];
    let bytes = 0;
    const insert = async (): Promise<void> => {
      if (rows.length === 0) return;
      const values = rows.map((_row, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`);
      await manager.query(`INSERT INTO outbox_messages (id, topic, message_key, headers, payload) VALUES ${values.join(', ')}`, rows.flat());
      rows = [];
      bytes = 0;
    };
    for (const request of requests) {
      const contract = contractFor(request.topic);
      const payload = JSON.stringify(this.checked(manager, request.topic, contract.type, contract.schema, request.payload));
      const envelope = this.envelopeOf(request, contract.type);
      envelopes.push(envelope);
      rows.push([envelope.id, request.topic, messageKeyOf(request.topic, request.subject, request.companyId), JSON.stringify(toKafkaHeaders(envelope)), payload]);
      bytes += payload.length;
      if (bytes >= 4_000_000 || rows.length >= 1000) await insert();
    }
    await insert();
    if (envelopes.length > 0) manager.queryRunner!.data[STORED_EVENTS] = true;
    return envelopes;
  }

  /** The payload as validated by `schema`, on the caller's transaction; throws a MessagingBugError otherwise. */
  private checked(manager: EntityManager, topic: Topic, type: string, schema: ZodType, payload: unknown): unknown {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new MessagingBugError(
        'MESSAGING.NOT_IN_TRANSACTION',
        `${topic} must be published with the manager of the transaction that changes the state (uow.run or the inbox ctx.manager)`,
      );
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
      throw new MessagingBugError('MESSAGING.PAYLOAD_BREAKS_CONTRACT', `${type} payload breaks its contract: ${problems.join('; ')}`);
    }
    return parsed.data;
  }

  private envelopeOf(request: Omit<PublishRequest<Topic>, 'payload'>, type: string): CloudEventEnvelope {
    const context = correlationContext.current();
    const envelope: CloudEventEnvelope = {
      id: request.id ?? randomUUID(),
      source: `/${this.options.serviceName}`,
      type,
      specversion: '1.0',
      time: new Date().toISOString(),
      subject: request.subject,
      companyid: request.companyId,
      correlationid: request.correlationId ?? context?.correlationId ?? randomUUID(),
      causationid: request.causationId ?? context?.causationId,
    };
    if (envelope.causationid === undefined) delete envelope.causationid;
    return envelope;
  }
}
