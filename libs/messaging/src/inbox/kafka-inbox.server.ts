import { contractForType, DLQ_HEADERS, dlqTopic, fromKafkaHeaders, Topic } from '@budget-erp/contracts';
import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { Admin, Consumer, IHeaders, KafkaMessage, logLevel, Partitioners, Producer } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import { correlationContext } from '../correlation/correlation-context';
import { createKafka, ensureTopics, KafkaSecurity } from '../kafka/kafka-client';
import { messagingMetrics } from '../metrics';
import { defaultRetryPolicy, RetryPolicy, retryDelayMs } from './backoff';
import { keepOriginalHandlerErrors, withinDelivery } from './handler-errors';
import { isDatabaseUnavailable } from './infrastructure-errors';
import { storedEventsIn } from '../outbox/outbox-writer';
import { InboxContext, ReceivedEvent } from './received-event';

export interface InboxTransportOptions {
  brokers: string[];
  /** TLS and SASL settings of the brokers (default: plaintext, no SASL). */
  security?: KafkaSecurity;
  clientId: string;
  /** Consumer group: the service name, or `erp-connector.<system>` for a per-ERP worker. */
  groupId: string;
  /** The service's data source: the inbox row and the handler's effects share one transaction on it. */
  dataSource: DataSource;
  /** Topics to consume (default: every registered `@EventPattern`). */
  topics?: string[];
  /** Exposed to handlers as `ctx.label` (e.g. the ERP system of a per-ERP worker). */
  label?: string;
  retry?: Partial<RetryPolicy>;
  /** Where a new consumer group starts (default true: the beginning of each topic). */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /** Partitions handled at the same time (default 1); order within a partition is always kept. */
  partitionsConsumedConcurrently?: number;
  /**
   * Most messages of one partition applied in one database transaction (default 100). A backlog is
   * then applied with one commit per group instead of one per message; when any message of a group
   * fails, the group is rolled back and its messages are applied one by one, with the usual retries.
   * 1 applies every message in its own transaction.
   */
  maxMessagesPerTransaction?: number;
  /**
   * Most message bytes (values) applied in one transaction (default 256 KiB): a group ends at the
   * first message that reaches it, so a backlog of large messages (a big send's chunks) is parsed
   * and applied a few at a time, not `maxMessagesPerTransaction` of them at once.
   */
  maxBytesPerTransaction?: number;
  /**
   * Called after a transaction applied at least one message, with whether its handlers stored
   * events in the outbox (then the relay is worth nudging).
   */
  onApplied?: (commit: { storedEvents: boolean }) => void;
  /** kafkajs's own logs (default none: start failures, crashes and dead letters are logged here). */
  kafkaLogLevel?: logLevel;
}

type Outcome = 'applied' | 'duplicate' | 'dead-lettered';

/**
 * Where the consumer of an inbox stands: `starting` until it first joins its group (connecting,
 * joining, or restarting after a crash kafkajs retries), `joined`, `rebalancing` (a member came or
 * left; it rejoins by itself), `crashed` (kafkajs gave up), `stopped` (closed).
 */
export type InboxState = 'starting' | 'joined' | 'rebalancing' | 'crashed' | 'stopped';

export interface InboxHealth {
  groupId: string;
  state: InboxState;
  /** When the consumer entered its state (epoch ms). */
  since: number;
  /** The last heartbeat the group coordinator accepted (epoch ms), if any. */
  lastHeartbeatAt?: number;
  sessionTimeoutMs: number;
  lastError?: string;
}

/** A message that passed the envelope and contract checks, ready for its handler. */
interface Deliverable {
  kind: 'deliverable';
  handler: MessageHandler;
  event: ReceivedEvent;
  message: KafkaMessage;
}

/** A message that can never be applied: it goes to the dead-letter topic at once. */
interface Undeliverable {
  kind: 'undeliverable';
  reason: string;
  message: KafkaMessage;
}

class InboxClosing extends Error {
  constructor() {
    super('inbox transport is closing; the message stays uncommitted');
  }
}

const reasonOf = (error: unknown): string => {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  if (typeof error === 'object' && error !== null) return JSON.stringify(error);
  return String(error);
};

/**
 * NestJS transport that consumes Kafka topics through the inbox: every message is validated against
 * its contract, applied at most once per consumer group (in one transaction with the inbox row),
 * retried with backoff when its handler throws, and dead-lettered with the reason when it cannot be
 * applied. The offset is committed only after the message was applied or dead-lettered.
 */
export class KafkaInboxServer extends Server implements CustomTransportStrategy {
  // Nest then hands handler failures to this transport instead of only logging them.
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(KafkaInboxServer.name);
  private readonly retry: RetryPolicy;
  private consumer?: Consumer;
  private producer?: Producer;
  private admin?: Admin;
  private closing = false;
  private connected = false;
  private starting?: Promise<void>;
  private readonly sleepers = new Set<() => void>();
  private state: InboxState = 'starting';
  private stateSince = Date.now();
  private lastHeartbeatAt?: number;
  private lastError?: string;

  constructor(private readonly options: InboxTransportOptions) {
    super();
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    keepOriginalHandlerErrors();
  }

  /** Consumer group of this transport. */
  get groupId(): string {
    return this.options.groupId;
  }

  /** The consumer is connected and in its group. */
  isHealthy(): boolean {
    return this.connected && !this.closing;
  }

  /** For readiness: where the consumer stands and since when (see `InboxState`). */
  health(): InboxHealth {
    return {
      groupId: this.options.groupId,
      state: this.state,
      since: this.stateSince,
      ...(this.lastHeartbeatAt !== undefined ? { lastHeartbeatAt: this.lastHeartbeatAt } : {}),
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 30_000,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private enter(state: InboxState, error?: unknown): void {
    if (error !== undefined) this.lastError = reasonOf(error);
    if (this.state === state) return;
    this.state = state;
    this.stateSince = Date.now();
  }

  async listen(callback: (...optionalParams: unknown[]) => void): Promise<void> {
    this.closing = false;
    try {
      await this.start();
    } catch (error) {
      this.lastError = reasonOf(error);
      this.logger.error(`inbox ${this.options.groupId} could not start, retrying in the background: ${reasonOf(error)}`);
      this.starting = this.keepStarting();
    }
    callback();
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const wake of [...this.sleepers]) wake();
    await this.starting?.catch(() => undefined);
    await Promise.allSettled([this.consumer?.disconnect(), this.producer?.disconnect(), this.admin?.disconnect()]);
    this.consumer = undefined;
    this.producer = undefined;
    this.admin = undefined;
    this.connected = false;
    this.enter('stopped');
  }

  on(): never {
    throw new Error('KafkaInboxServer does not emit events');
  }

  unwrap<T>(): T {
    return { consumer: this.consumer, producer: this.producer } as T;
  }

  private topics(): string[] {
    if (this.options.topics) return this.options.topics;
    return [...this.messageHandlers.keys()].filter((pattern) => typeof pattern === 'string');
  }

  private async keepStarting(): Promise<void> {
    for (let failures = 1; !this.closing; failures++) {
      await this.sleep(Math.min(10_000, 500 * 2 ** failures));
      if (this.closing) return;
      try {
        await this.start();
        this.logger.log(`inbox ${this.options.groupId} started`);
        return;
      } catch (error) {
        this.lastError = reasonOf(error);
        this.logger.error(`inbox ${this.options.groupId} could not start: ${reasonOf(error)}`);
      }
    }
  }

  private async start(): Promise<void> {
    const topics = this.topics();
    if (topics.length === 0) {
      this.connected = true;
      this.enter('joined');
      return;
    }
    this.enter('starting');
    await Promise.allSettled([this.consumer?.disconnect(), this.producer?.disconnect(), this.admin?.disconnect()]);
    const kafka = createKafka(this.options.brokers, this.options.clientId, this.options.kafkaLogLevel ?? logLevel.NOTHING, this.options.security);
    this.admin = kafka.admin();
    await this.admin.connect();
    await ensureTopics(this.admin, [...topics, ...topics.map(dlqTopic)]);
    await this.admin.disconnect();
    this.admin = undefined;

    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();

    const consumer = kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      ...(this.options.sessionTimeoutMs
        ? { sessionTimeout: this.options.sessionTimeoutMs, heartbeatInterval: Math.max(100, Math.floor(this.options.sessionTimeoutMs / 10)) }
        : {}),
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.connected = true;
      this.enter('joined');
    });
    consumer.on(consumer.events.REBALANCING, () => this.enter('rebalancing'));
    consumer.on(consumer.events.HEARTBEAT, () => {
      this.lastHeartbeatAt = Date.now();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.connected = false;
      // kafkajs restarts a consumer after a retriable crash: it is starting again, not down.
      this.enter(event.payload.restart ? 'starting' : 'crashed', event.payload.error);
      this.logger.error(`inbox ${this.options.groupId} consumer crashed: ${reasonOf(event.payload.error)}`);
    });
    consumer.on(consumer.events.DISCONNECT, () => {
      this.connected = false;
      if (this.closing) this.enter('stopped');
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
        const { topic, partition } = batch;
        const counted = (outcome: Outcome) => messagingMetrics.consumed.inc({ topic, group: this.options.groupId, outcome });
        let group: Deliverable[] = [];
        let groupBytes = 0;
        // The latest offset grouped; resolved only once everything up to it is applied.
        let handled: string | undefined;
        const flush = async (): Promise<void> => {
          if (group.length > 0) {
            const outcomes = await this.applyGroup(topic, partition, group, heartbeat);
            outcomes.forEach(counted);
            group = [];
            groupBytes = 0;
          }
          if (handled === undefined) return;
          resolveOffset(handled);
          handled = undefined;
          await commitOffsetsIfNecessary();
        };
        for (const message of batch.messages) {
          // After a rebalance the rest of the batch belongs to another member (nothing was resolved for it).
          if (!isRunning() || isStale()) break;
          const item = this.check(topic, partition, message);
          if (item.kind === 'undeliverable') {
            await flush();
            counted(await this.deadLetter(topic, partition, message, item.reason, 0, heartbeat));
            resolveOffset(message.offset);
            continue;
          }
          handled = message.offset;
          group.push(item);
          groupBytes += message.value?.length ?? 0;
          if (group.length >= this.maxMessagesPerTransaction || groupBytes >= this.maxBytesPerTransaction) await flush();
        }
        await flush();
      },
    });
  }

  private get maxMessagesPerTransaction(): number {
    return Math.max(1, this.options.maxMessagesPerTransaction ?? 100);
  }

  private get maxBytesPerTransaction(): number {
    return Math.max(1, this.options.maxBytesPerTransaction ?? 256 * 1024);
  }

  /** Checks the envelope, the event type, the topic and the payload against the contract. */
  private check(topic: string, partition: number, message: KafkaMessage): Deliverable | Undeliverable {
    const reject = (reason: string): Undeliverable => ({ kind: 'undeliverable', reason, message });
    const decoded = fromKafkaHeaders(message.headers);
    if (!decoded.ok) return reject(decoded.problem);
    const envelope = decoded.envelope;
    const contract = contractForType(envelope.type);
    if (!contract) return reject(`unknown event type ${envelope.type}`);
    if (contract.topic !== topic) return reject(`event type ${envelope.type} does not belong on topic ${topic}`);
    let json: unknown;
    try {
      json = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      return reject('payload is not valid JSON');
    }
    const parsed = contract.schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`);
      return reject(`payload breaks the ${envelope.type} contract: ${problems.join('; ')}`);
    }
    const handler = this.getHandlerByPattern(topic);
    if (!handler) return reject(`consumer group ${this.options.groupId} has no handler for ${topic}`);
    const event: ReceivedEvent = {
      id: envelope.id,
      type: envelope.type,
      topic: topic as Topic,
      subject: envelope.subject,
      companyId: envelope.companyid,
      correlationId: envelope.correlationid,
      ...(envelope.causationid ? { causationId: envelope.causationid } : {}),
      time: envelope.time,
      payload: parsed.data as ReceivedEvent['payload'],
      partition,
      offset: message.offset,
    };
    return { kind: 'deliverable', handler, event, message };
  }

  /**
   * Applies consecutive messages of one partition in one transaction. If any of them fails the
   * transaction rolls back and each is applied on its own, so one bad message costs only itself.
   */
  private async applyGroup(topic: string, partition: number, group: Deliverable[], heartbeat: () => Promise<void>): Promise<Outcome[]> {
    if (group.length > 1) {
      if (this.closing) throw new InboxClosing();
      try {
        return await this.applyTogether(group);
      } catch {
        // Fall through: one by one, each with its own retries and, if it comes to that, dead letter.
      }
    }
    const outcomes: Outcome[] = [];
    for (const item of group) {
      outcomes.push(await this.deliver(topic, partition, item, heartbeat));
      await heartbeat();
    }
    return outcomes;
  }

  /** Applies one message in its own transaction, retrying with backoff, and dead-letters it when it keeps failing. */
  private async deliver(topic: string, partition: number, item: Deliverable, heartbeat: () => Promise<void>): Promise<Outcome> {
    const { event, message } = item;
    const deadLetter = (reason: string, attempts: number) => this.deadLetter(topic, partition, message, reason, attempts, heartbeat);
    for (let attempt = 1, outage = 0; ; attempt++) {
      if (this.closing) throw new InboxClosing();
      try {
        return (await this.applyTogether([item]))[0];
      } catch (error) {
        const reason = reasonOf(error);
        if (isDatabaseUnavailable(error)) {
          // Not the event's fault: wait for the database as long as it takes, without using up attempts.
          attempt -= 1;
          outage += 1;
          const delay = Math.min(5_000, retryDelayMs(this.retry, outage));
          this.logger.warn(`database unavailable while applying ${event.type} ${event.id} in ${this.options.groupId}, retrying in ${delay} ms: ${reason}`);
          await this.pause(delay, heartbeat);
          continue;
        }
        outage = 0;
        if (attempt >= this.retry.attempts) {
          this.logger.error(`${event.type} ${event.id} failed ${attempt} times in ${this.options.groupId}, dead-lettering: ${reason}`);
          return deadLetter(reason, attempt);
        }
        const delay = retryDelayMs(this.retry, attempt);
        this.logger.warn(`${event.type} ${event.id} failed in ${this.options.groupId} (attempt ${attempt}), retrying in ${delay} ms: ${reason}`);
        await this.pause(delay, heartbeat);
      }
    }
  }

  /**
   * Applies the messages in one transaction, then runs what their handlers asked for after the
   * commit, and `onApplied` when at least one was new.
   */
  private async applyTogether(items: Deliverable[]): Promise<Outcome[]> {
    const committed: (() => void)[] = [];
    let storedEvents = false;
    const outcomes = await this.options.dataSource.transaction(async (manager) => {
      const fresh = await this.recordInInbox(manager, items.map((item) => item.event));
      const results: Outcome[] = [];
      for (const { handler, event } of items) {
        // delete: the same event twice in one group is applied the first time only.
        results.push(fresh.delete(event.id) ? await this.applyIn(manager, handler, event, committed) : 'duplicate');
      }
      storedEvents = storedEventsIn(manager);
      return results;
    });
    const onApplied = this.options.onApplied;
    if (outcomes.includes('applied') && onApplied) committed.push(() => onApplied({ storedEvents }));
    for (const callback of committed) {
      try {
        callback();
      } catch (error) {
        this.logger.error(`an after-commit callback of ${this.options.groupId} failed: ${reasonOf(error)}`);
      }
    }
    return outcomes;
  }

  /**
   * Records the events in the inbox, in the caller's transaction, with one statement however many
   * there are; returns the ids that were not there yet (the others were applied before).
   */
  private async recordInInbox(manager: EntityManager, events: ReceivedEvent[]): Promise<Set<string>> {
    const inserted = (await manager.query(
      `INSERT INTO inbox_messages (consumer_group, message_id, topic)
       SELECT $1, m.id, m.topic FROM unnest($2::text[], $3::text[]) AS m(id, topic)
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [this.options.groupId, events.map((e) => e.id), events.map((e) => e.topic)],
    )) as { message_id: string }[];
    return new Set(inserted.map((row) => row.message_id));
  }

  /** Runs the handler of an event just recorded in the inbox, in the caller's transaction. */
  private async applyIn(manager: EntityManager, handler: MessageHandler, event: ReceivedEvent, committed: (() => void)[]): Promise<Outcome> {
    const context: InboxContext = {
      manager,
      event,
      consumerGroup: this.options.groupId,
      ...(this.options.label !== undefined ? { label: this.options.label } : {}),
      afterCommit: (callback) => void committed.push(callback),
    };
    await correlationContext.run({ correlationId: event.correlationId, causationId: event.id }, () =>
      withinDelivery(async () => {
        const result: unknown = await handler(event, context);
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      }),
    );
    return 'applied';
  }

  /** Produces the message to `<topic>.dlq` and only returns once Kafka has it, so the offset can be committed. */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    attempts: number,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    const headers: IHeaders = {
      ...message.headers,
      [DLQ_HEADERS.reason]: reason.slice(0, 4_000),
      [DLQ_HEADERS.consumerGroup]: this.options.groupId,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      [DLQ_HEADERS.attempts]: String(attempts),
      [DLQ_HEADERS.originalTopic]: topic,
      [DLQ_HEADERS.originalPartition]: String(partition),
      [DLQ_HEADERS.originalOffset]: message.offset,
    };
    for (let failures = 1; ; failures++) {
      if (this.closing) throw new InboxClosing();
      try {
        if (!this.producer) throw new Error('dead-letter producer is not connected');
        await this.producer.send({ topic: dlqTopic(topic), acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
        break;
      } catch (error) {
        const delay = Math.min(5_000, 200 * 2 ** failures);
        this.logger.error(`could not dead-letter ${topic}@${partition}:${message.offset}, retrying in ${delay} ms: ${reasonOf(error)}`);
        await this.pause(delay, heartbeat);
      }
    }
    this.logger.warn(`dead-lettered ${topic}@${partition}:${message.offset} for ${this.options.groupId}: ${reason}`);
    messagingMetrics.deadLettered.inc({ topic, group: this.options.groupId });
    return 'dead-lettered';
  }

  /** Waits between attempts while keeping the group membership alive. */
  private async pause(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (!this.closing && Date.now() < until) {
      await this.sleep(Math.min(1_000, until - Date.now()));
      await heartbeat();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/** The inbox transport to pass to `app.connectMicroservice({ strategy })`. */
export function createInboxTransport(options: InboxTransportOptions): KafkaInboxServer {
  return new KafkaInboxServer(options);
}
