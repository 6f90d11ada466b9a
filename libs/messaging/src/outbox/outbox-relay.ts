import { Logger } from '@nestjs/common';
import { MAX_RECORD_BYTES } from '@budget-erp/contracts';
import { Admin, Kafka, logLevel, Partitioners, Producer, TopicMessages } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createKafka, ensureTopics, KafkaSecurity } from '../kafka/kafka-client';
import { messagingMetrics } from '../metrics';
import { OutageLog } from '../outage-log';
import { openRelayConnection, RelayConnection } from './relay-connection';

export interface RelayedEvent {
  seq: string;
  id: string;
  topic: string;
  key: string;
  createdAt: Date;
}

export interface OutboxRelayOptions {
  brokers: string[];
  /** TLS and SASL settings of the brokers (default: plaintext, no SASL). */
  security?: KafkaSecurity;
  clientId: string;
  /** How often the relay looks for events when nobody nudges it (default 250 ms). */
  pollIntervalMs?: number;
  /** Events per Kafka request (default 500). */
  batchSize?: number;
  /**
   * Payload bytes per Kafka request, as PostgreSQL stores them (jsonb, compressed when large;
   * default 1 MiB): a batch ends at the first event past it, so a backlog of large records (a
   * big send's chunks) is read and published a few at a time, not `batchSize` of them at once.
   */
  maxBatchBytes?: number;
  /** Longest pause after a failure (default 5 s). */
  maxBackoffMs?: number;
  kafkaLogLevel?: logLevel;
  /** Published rows older than this are deleted by the leader (default 7 days). */
  retainPublishedMs?: number;
  /**
   * How often the leader purges published outbox rows and old inbox rows (default 10 min). The
   * purge runs on this clock whatever the traffic, so steady publishing cannot starve it.
   */
  purgeIntervalMs?: number;
  /**
   * Inbox rows (the ids of applied events) older than this are deleted by the leader
   * (default 30 days). An event redelivered after that would be applied again, so keep it longer
   * than any topic's retention (the longest is 14 days).
   */
  retainInboxMs?: number;
  /**
   * Rows set aside as unpublishable (`abandoned_at`, the outbox's dead letters) older than this are
   * deleted by the leader (default 30 days): long enough for whoever reads them (the budget
   * service takes back a send whose events were set aside, within seconds) and for an operator.
   */
  retainAbandonedMs?: number;
  /**
   * Largest record (key, value and headers, before compression) the relay tries to publish
   * (default 32 MiB); a larger one is set aside without being sent. The broker's own limit
   * applies to the compressed batch and is handled when it answers MESSAGE_TOO_LARGE.
   */
  maxMessageBytes?: number;
  /** Called after Kafka acknowledged a batch, before it is marked published (metrics, fault injection). */
  onBatchPublished?: (events: RelayedEvent[]) => void | Promise<void>;
}

export interface OutboxRelayStatus {
  running: boolean;
  /** Holds the relay lock of this database (only the leader publishes). */
  leader: boolean;
  consecutiveFailures: number;
  lastError?: string;
  lastPublishedAt?: Date;
  /** When the current run of failed passes began (epoch ms); absent when the last pass worked. */
  failingSince?: number;
}

interface OutboxRow {
  seq: string;
  id: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  payload: string;
  created_at: Date;
}

// One relay per database publishes, the one holding this session-level advisory lock: a single
// publisher keeps per-key order simple, and no transaction stays open while Kafka is awaited.
const RELAY_LOCK = "hashtext('budget-erp.outbox-relay')";

class DatabaseStepFailed extends Error {}

/**
 * The next unpublished rows in `seq` order, at most `limit` of them and no more than reach
 * `maxBytes` of stored payload (the first row always). Only the rows returned are turned into text.
 */
const selectUnpublished = (limit: number, maxBytes: number, alsoWhere = ''): string =>
  `SELECT seq, id, topic, message_key, headers, payload::text AS payload, created_at FROM (
     SELECT seq, id, topic, message_key, headers, payload, created_at,
            sum(pg_column_size(payload)) OVER (ORDER BY seq) - pg_column_size(payload) AS bytes_before
       FROM outbox_messages WHERE published_at IS NULL AND abandoned_at IS NULL${alsoWhere} ORDER BY seq LIMIT ${limit}
   ) batch WHERE bytes_before < ${maxBytes} ORDER BY seq`;

// Errors the broker gives for the records themselves: sending them again can never succeed.
const RECORD_REJECTIONS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/** The broker's reason when it rejected the records themselves (kafkajs wraps it in `cause`). */
function recordRejection(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string' && RECORD_REJECTIONS.has(type)) return `${type}: ${current.message}`;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const recordBytes = (row: OutboxRow): number =>
  Buffer.byteLength(row.message_key) +
  Buffer.byteLength(row.payload) +
  Object.entries(row.headers).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(String(value)), 0);

// The relay's statements carry no bind parameters, so they travel as single simple-protocol
// messages: pglite-socket queues each protocol message on its own, and an autocommit
// Parse/Bind/Execute sequence could be interleaved with another connection's statements.
const seqList = (seqs: string[]): string =>
  seqs
    .map((seq) => {
      if (!/^\d+$/.test(seq)) throw new Error(`unexpected outbox seq ${seq}`);
      return seq;
    })
    .join(',');
const sqlText = (text: string): string => `'${text.slice(0, 2_000).split(String.fromCharCode(0)).join('').replace(/'/g, "''")}'`;

/**
 * Publishes committed outbox rows to Kafka in `seq` order, then marks them published.
 * At least once: a crash between publishing and marking publishes the batch again.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly outage = new OutageLog(this.logger, 'outbox relay');
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly maxBackoffMs: number;
  private readonly maxMessageBytes: number;
  private readonly kafka: Kafka;
  private producer?: Producer;
  private admin?: Admin;
  private healthAdmin?: Admin;
  private readonly knownTopics = new Set<string>();
  private runner?: RelayConnection;
  /** A replica that does not lead keeps its connection to try for the lock at the next poll. */
  private candidate?: RelayConnection;
  private running = false;
  private loop?: Promise<void>;
  private nudged = false;
  /**
   * The next batch, read by the statement that marked the last one published (one round trip for
   * both); only ever non-empty, and dropped on any failure or loss of leadership.
   */
  private prefetched?: OutboxRow[];
  private wake?: () => void;
  private wakeOnNudge = false;
  private consecutiveFailures = 0;
  private lastError?: string;
  private lastPublishedAt?: Date;
  private lastPurgeAt = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: OutboxRelayOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.batchSize = options.batchSize ?? 500;
    this.maxBatchBytes = Math.max(1, Math.floor(options.maxBatchBytes ?? 1024 * 1024));
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.maxMessageBytes = options.maxMessageBytes ?? 32 * 1024 * 1024;
    // Off by default: every failed batch is already logged once, with its backoff, by the relay.
    this.kafka = createKafka(options.brokers, options.clientId, options.kafkaLogLevel ?? logLevel.NOTHING, options.security);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.resign();
    await this.candidate?.close();
    this.candidate = undefined;
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect(), this.healthAdmin?.disconnect()]);
    this.producer = undefined;
    this.admin = undefined;
    this.healthAdmin = undefined;
  }

  /** A commit just stored events: look now instead of at the next poll. */
  nudge(): void {
    this.nudged = true;
    if (this.wakeOnNudge) this.wake?.();
  }

  /** For readiness: running, and the last attempt to reach the database and broker worked. */
  isHealthy(): boolean {
    return this.running && this.consecutiveFailures === 0;
  }

  status(): OutboxRelayStatus {
    return {
      running: this.running,
      leader: this.runner !== undefined,
      consecutiveFailures: this.consecutiveFailures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.lastPublishedAt ? { lastPublishedAt: this.lastPublishedAt } : {}),
      ...(this.outage.failingSince !== null ? { failingSince: this.outage.failingSince } : {}),
    };
  }

  /** Whether the broker answers a metadata request within the timeout. */
  async checkBroker(timeoutMs = 2_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      this.healthAdmin ??= this.kafka.admin();
      const admin = this.healthAdmin;
      await Promise.race([
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('broker check timed out')), timeoutMs);
        }),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      let published = 0;
      try {
        if (!this.runner) await this.tryToLead();
        if (this.runner) published = await this.relayBatch(this.runner);
        if (this.runner) await this.purgePublished(this.runner);
        this.consecutiveFailures = 0;
        this.lastError = undefined;
        this.outage.passed();
      } catch (error) {
        this.prefetched = undefined;
        this.consecutiveFailures += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        messagingMetrics.publishFailures.inc();
        if (error instanceof DatabaseStepFailed) await this.resign();
        const backoff = Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(this.consecutiveFailures, 10));
        this.outage.failed(error);
        await this.sleep(backoff, false);
        continue;
      }
      if (published >= this.batchSize || this.nudged || this.prefetched) continue;
      await this.sleep(this.pollIntervalMs, true);
    }
  }

  private async tryToLead(): Promise<void> {
    try {
      this.candidate ??= await openRelayConnection(this.dataSource, this.options.clientId);
      const [row] = await this.candidate.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${RELAY_LOCK}) AS locked`);
      if (row?.locked) {
        this.runner = this.candidate;
        this.candidate = undefined;
      }
    } catch (error) {
      await this.candidate?.close();
      this.candidate = undefined;
      throw new DatabaseStepFailed(`outbox relay could not reach the database: ${(error as Error).message}`);
    }
  }

  private async resign(): Promise<void> {
    const connection = this.runner;
    if (!connection) return;
    this.runner = undefined;
    this.prefetched = undefined;
    await connection.query(`SELECT pg_advisory_unlock(${RELAY_LOCK})`).catch(() => undefined);
    await connection.close();
  }

  private async relayBatch(runner: RelayConnection): Promise<number> {
    const prefetched = this.prefetched;
    this.prefetched = undefined;
    const rows = prefetched ?? (await this.database(() => runner.query<OutboxRow>(selectUnpublished(this.batchSize, this.maxBatchBytes))));
    if (rows.length === 0) return 0;
    const sendable: OutboxRow[] = [];
    for (const row of rows) {
      const bytes = recordBytes(row);
      if (bytes > this.maxMessageBytes) await this.abandon(runner, row, `record of ${bytes} bytes exceeds maxMessageBytes (${this.maxMessageBytes})`);
      else sendable.push(row);
    }
    if (sendable.length === 0) return rows.length;
    try {
      await this.publish(runner, sendable, true);
    } catch (error) {
      await this.dropProducer();
      if (error instanceof DatabaseStepFailed || recordRejection(error) === undefined) {
        await this.recordFailure(runner, sendable, error);
        throw error;
      }
      // The broker refused some record of the batch: find which, one row at a time, in order.
      for (const [index, row] of sendable.entries()) {
        try {
          await this.publish(runner, [row]);
        } catch (rowError) {
          await this.dropProducer();
          const rejection = rowError instanceof DatabaseStepFailed ? undefined : recordRejection(rowError);
          if (rejection === undefined) {
            await this.recordFailure(runner, sendable.slice(index), rowError);
            throw rowError;
          }
          await this.abandon(runner, row, `${rejection} (record of ${recordBytes(row)} bytes before compression)`);
        }
      }
    }
    return rows.length;
  }

  /**
   * Sends the rows and marks them published; with `readNext`, the same statement reads the next
   * batch (the UPDATE in a CTE, the SELECT skipping the rows it marked, which its snapshot still
   * shows unpublished), saving the round trip of a separate SELECT.
   */
  private async publish(runner: RelayConnection, rows: OutboxRow[], readNext = false): Promise<void> {
    await this.send(rows);
    const events = rows.map((row) => ({ seq: row.seq, id: row.id, topic: row.topic, key: row.message_key, createdAt: row.created_at }));
    await this.options.onBatchPublished?.(events);
    const marked = `UPDATE outbox_messages SET published_at = now() WHERE seq IN (${seqList(rows.map((row) => row.seq))})`;
    if (readNext) {
      const next = await this.database(() =>
        runner.query<OutboxRow>(
          `WITH marked AS (${marked} RETURNING seq) ${selectUnpublished(this.batchSize, this.maxBatchBytes, ' AND seq NOT IN (SELECT seq FROM marked)')}`,
        ),
      );
      if (next.length > 0) this.prefetched = next;
    } else {
      await this.database(() => runner.query(marked));
    }
    this.lastPublishedAt = new Date();
    messagingMetrics.relayLagMs.set(Date.now() - new Date(rows[0].created_at).getTime());
    for (const row of rows) messagingMetrics.published.inc({ topic: row.topic });
  }

  private async recordFailure(runner: RelayConnection, rows: OutboxRow[], error: unknown): Promise<void> {
    if (error instanceof DatabaseStepFailed) return;
    await this.database(() =>
      runner.query(
        `UPDATE outbox_messages SET attempts = attempts + 1, last_error = ${sqlText((error as Error).message)} WHERE seq IN (${seqList(rows.map((row) => row.seq))})`,
      ),
    );
  }

  /** Sets aside an event that can never be published, so that the events after it go out. */
  private async abandon(runner: RelayConnection, row: OutboxRow, reason: string): Promise<void> {
    await this.database(() =>
      runner.query(
        `UPDATE outbox_messages SET abandoned_at = now(), attempts = attempts + 1, last_error = ${sqlText(reason)} WHERE seq IN (${seqList([row.seq])})`,
      ),
    );
    messagingMetrics.abandoned.inc({ topic: row.topic });
    this.logger.error(
      `outbox event ${row.id} (type ${row.headers.ce_type ?? row.topic}, key ${row.message_key}, topic ${row.topic}) abandoned, it can never be published: ${reason}`,
    );
  }

  /** A fresh idempotent producer (new producer id) avoids sequence errors after a failed request. */
  private async dropProducer(): Promise<void> {
    const broken = this.producer;
    this.producer = undefined;
    this.knownTopics.clear();
    await broken?.disconnect().catch(() => undefined);
  }

  /**
   * Deletes published outbox rows, set-aside (abandoned) outbox rows and inbox rows past their retention, 1,000 at a time and looking
   * only at the oldest ones (index on seq, on processed_at) so it stays cheap. It runs when its
   * interval is due, busy or not: a nudge (events waiting) cuts it short after a batch, never before
   * the first, so traffic delays the purge's tail but cannot starve it.
   */
  private async purgePublished(runner: RelayConnection): Promise<void> {
    if (Date.now() - this.lastPurgeAt < (this.options.purgeIntervalMs ?? 10 * 60_000)) return;
    this.lastPurgeAt = Date.now();
    const retainMs = Math.max(0, Math.floor(this.options.retainPublishedMs ?? 7 * 24 * 3_600_000));
    const retainInboxMs = Math.max(0, Math.floor(this.options.retainInboxMs ?? 30 * 24 * 3_600_000));
    const retainAbandonedMs = Math.max(0, Math.floor(this.options.retainAbandonedMs ?? 30 * 24 * 3_600_000));
    await this.purgeInBatches(
      runner,
      `DELETE FROM outbox_messages WHERE seq IN (SELECT seq FROM outbox_messages WHERE published_at IS NOT NULL ORDER BY seq LIMIT 1000)
         AND published_at < now() - interval '${retainMs} milliseconds' RETURNING seq`,
    );
    await this.purgeInBatches(
      runner,
      `DELETE FROM inbox_messages WHERE (consumer_group, message_id) IN (
         SELECT consumer_group, message_id FROM inbox_messages WHERE processed_at < now() - interval '${retainInboxMs} milliseconds' ORDER BY processed_at LIMIT 1000)
       RETURNING message_id`,
    );
    await this.purgeInBatches(
      runner,
      `DELETE FROM outbox_messages WHERE seq IN (SELECT seq FROM outbox_messages WHERE abandoned_at IS NOT NULL ORDER BY seq LIMIT 1000)
         AND abandoned_at < now() - interval '${retainAbandonedMs} milliseconds' RETURNING seq`,
    );
  }

  private async purgeInBatches(runner: RelayConnection, deleteThousand: string): Promise<void> {
    for (let round = 0; round < 20 && this.running; round++) {
      const deleted = await this.database(() => runner.query(deleteThousand));
      if (deleted.length < 1000 || this.nudged) return;
    }
  }

  private async send(rows: OutboxRow[]): Promise<void> {
    const producer = await this.connectedProducer();
    const unknown = [...new Set(rows.map((row) => row.topic))].filter((topic) => !this.knownTopics.has(topic));
    if (unknown.length > 0) {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      await ensureTopics(this.admin, unknown);
      unknown.forEach((topic) => this.knownTopics.add(topic));
    }
    // Rows keep their seq order inside each topic, so each key's events keep theirs in a partition.
    // A produce request carries one record batch per partition, and Kafka's max.message.bytes
    // bounds that batch: rows go out in requests of at most MAX_RECORD_BYTES each, in seq order.
    for (const slice of slicesOf(rows, MAX_RECORD_BYTES - 64 * 1024)) {
      const byTopic = new Map<string, TopicMessages>();
      for (const row of slice) {
        let entry = byTopic.get(row.topic);
        if (!entry) {
          entry = { topic: row.topic, messages: [] };
          byTopic.set(row.topic, entry);
        }
        entry.messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
      }
      await producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
    }
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private async database<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw new DatabaseStepFailed(`outbox relay database step failed: ${(error as Error).message}`);
    }
  }

  /** Sleeps until the delay ends or stop() is called (or, when asked, a nudge comes). */
  private sleep(ms: number, wakeOnNudge: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    this.wakeOnNudge = wakeOnNudge;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

/** Consecutive runs of rows whose payloads and headers add up to at most `maxBytes` (a larger row goes alone). */
function slicesOf(rows: OutboxRow[], maxBytes: number): OutboxRow[][] {
  const slices: OutboxRow[][] = [];
  let current: OutboxRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(row.payload) + 512;
    if (current.length > 0 && bytes + size > maxBytes) {
      slices.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}
