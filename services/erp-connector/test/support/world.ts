import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Client } from 'pg';
import { sumAmounts } from '@budget-erp/money';
import { chunkSendLines, linesDigest, type ErpSystem, type PayloadOf, type Topic } from '@budget-erp/contracts';
import { startErpSimulator, type ErpSimulator } from '@budget-erp/erp-simulator';
import {
  createTestDatabase,
  httpJson,
  signTestJwt,
  startServiceProcess,
  startTestBroker,
  TestEventProducer,
  waitFor,
  type ServiceProcess,
  type TestBroker,
  type TestDatabase,
} from '@budget-erp/testing';

/** The connector in its own process, exactly as `npm start` runs it. */
function startConnectorProcess(env: Record<string, string>): Promise<ServiceProcess> {
  return startServiceProcess({ main: 'services/erp-connector/src/main.ts', env, readyPath: '/health/live', name: 'erp-connector' });
}

export const JWT_SECRET = 'erp-connector-component-test-secret';

export interface WiredMessage {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  raw: string;
  value: Record<string, unknown>;
}

export const OUTPUT_TOPICS: Topic[] = [
  'export.succeeded',
  'export.failed',
  'erp.posted',
  'erp.project.linked',
  'erp.connection.updated',
  'erp.budget.imported',
  'erp.budget.import.failed',
  'erp.budget.drift_detected',
  'erp.budget.drift_resolved',
];

/** What the connector consumes. */
export const INPUT_TOPICS: Topic[] = ['budget.sent', 'budget.sent.lines', 'budget.accepted', 'budget.rejected', 'budget.retrieved', 'budget.export.timed_out', 'budget.import.requested'];

export const CONNECTOR_ENV: Record<string, string> = {
  JWT_SECRET,
  LOG_LEVEL: 'info',
  ERP_CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
  ERP_TIMEOUT_MS: '800',
  EXPORT_RETRY_BASE_MS: '50',
  EXPORT_RETRY_MAX_MS: '400',
  EXPORT_POLL_MS: '100',
  EXPORT_LEASE_MS: '3000',
  POSTING_CHECK_FIRST_MS: '100',
  POSTING_CHECK_MAX_MS: '500',
  BREAKER_THRESHOLD: '4',
  BREAKER_COOLDOWN_MS: '300',
  KAFKA_SESSION_TIMEOUT_MS: '6000',
};

/** The connector over HTTP on a fresh database, the dev broker and the ERP simulator, with a wire recorder. */
export class World {
  service?: ServiceProcess;
  readonly wire: WiredMessage[] = [];
  readonly processes: ServiceProcess[] = [];
  private producer?: TestEventProducer;
  private consumer?: Consumer;

  private constructor(
    readonly db: TestDatabase,
    readonly broker: TestBroker,
    readonly sim: ErpSimulator,
  ) {}

  static async start(name: string, serviceEnv: Record<string, string> = {}): Promise<World> {
    const [db, broker, sim] = await Promise.all([createTestDatabase(name), startTestBroker(), startErpSimulator({ port: 0 })]);
    const world = new World(db, broker, sim);
    try {
      const kafka = new Kafka({ clientId: `${name}-test`, brokers: broker.brokerList, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [...OUTPUT_TOPICS, ...INPUT_TOPICS].map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
      await admin.disconnect();
      world.producer = await TestEventProducer.connect(broker.brokerList, `${name}-test`);
      world.consumer = kafka.consumer({ groupId: `recorder-${randomUUID()}` });
      await world.consumer.connect();
      await world.consumer.subscribe({ topics: OUTPUT_TOPICS, fromBeginning: true });
      await world.consumer.run({
        eachMessage: async ({ topic, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
          const raw = message.value?.toString() ?? 'null';
          world.wire.push({ topic, key: message.key?.toString() ?? null, headers, raw, value: JSON.parse(raw) as Record<string, unknown> });
        },
      });
      await world.startService(serviceEnv);
      return world;
    } catch (error) {
      await world.stop();
      throw error;
    }
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { PORT: '0', DATABASE_URL: this.db.url, KAFKA_BROKERS: this.broker.brokers, ERP_BASE_URL: this.sim.url, ...CONNECTOR_ENV, ...extra };
  }

  async startService(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = await startConnectorProcess(this.env(extra));
    this.service = service;
    this.processes.push(service);
    return service;
  }

  /** Output of every connector process this world started. */
  get logLines(): string[] {
    return this.processes.flatMap((p) => p.output);
  }

  /** Publishes an event as its producing service would; returns its `ce_id`. */
  async publish<T extends Topic>(topic: T, payload: PayloadOf<T>, subject: string, companyId: string): Promise<string> {
    return this.producer!.send(topic, payload, { subject, companyId, source: '/component-test', validate: true });
  }

  /** Publishes a send as the budget service would: its summary, then its chunks of lines. */
  async publishSend(send: Send): Promise<void> {
    await this.publish('budget.sent', send.summary, send.budgetId, send.companyId);
    for (const chunk of send.chunks) await this.publish('budget.sent.lines', chunk, send.budgetId, send.companyId);
  }

  /** Publishes the approver's acceptance of a send, as the approval service would. */
  async publishAcceptance(send: Send): Promise<string> {
    return this.publish('budget.accepted', send.accepted, send.budgetId, send.companyId);
  }

  /** A send and its acceptance: the export the connector is asked to make. */
  async requestExport(send: Send): Promise<void> {
    await this.publishSend(send);
    await this.publishAcceptance(send);
  }

  async http(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & { [k: string]: unknown } }> {
    const answer = await httpJson<Record<string, unknown> | null>(this.service!.url, method, path, token, body);
    return { status: answer.status, body: answer.body ?? {} };
  }

  async simControl<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.sim.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as T;
  }

  waitForWire(topic: string, predicate: (m: WiredMessage) => boolean = () => true, timeoutMs = 15_000): Promise<WiredMessage> {
    return waitFor(() => this.wire.find((m) => m.topic === topic && predicate(m)), { timeoutMs, description: `a ${topic} message` });
  }

  async outboxRows(): Promise<string[]> {
    const client = new Client({ connectionString: this.db.url });
    await client.connect();
    try {
      const result = await client.query<{ row: string }>('SELECT row_to_json(o)::text AS row FROM outbox_messages o');
      return result.rows.map((r) => r.row);
    } finally {
      await client.end();
    }
  }

  async dbQuery<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const client = new Client({ connectionString: this.db.url });
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.close().catch(() => undefined);
    for (const p of this.processes) await p.close().catch(() => undefined);
    await this.sim.stop().catch(() => undefined);
    await this.broker.stop().catch(() => undefined);
    await this.db.drop().catch(() => undefined);
  }
}

export const person = (name: string) => ({ userId: `u-${name.toLowerCase()}`, name, email: `${name.toLowerCase()}@example.com` });

/** HS256 signed with node:crypto, independently of the auth library. */
export function tokenFor(companyId: string, erpIntegrations: 'none' | 'read_only' | 'standard' | 'admin' = 'standard'): string {
  return signTestJwt(
    { sub: 'u-ivy', name: 'Ivy Integrations', email: 'ivy@example.com', companyId, perms: { budget: 'none', erpIntegrations }, privileges: [] },
    JWT_SECRET,
  );
}

export interface SendInput {
  companyId: string;
  system: ErpSystem;
  jobNumber: string;
  kind?: 'original' | 'revision';
  lines: { costCode: string; subJob?: string | null; costType?: string | null; amount: string; syncedAmount?: string | null }[];
  revision?: PayloadOf<'budget.accepted'>['revision'];
  exportId?: string;
  budgetId?: string;
  /** Default now; a later send of the same budget supersedes an earlier one. */
  sentAt?: string;
}

/** A send as the budget service publishes it (summary and chunks) and its acceptance by the approver. */
export interface Send {
  exportId: string;
  budgetId: string;
  companyId: string;
  summary: PayloadOf<'budget.sent'>;
  chunks: PayloadOf<'budget.sent.lines'>[];
  accepted: PayloadOf<'budget.accepted'>;
}

export function accepted(input: SendInput): Send {
  const lines = input.lines.map((l, i) => ({
    lineId: `l${i + 1}`,
    costCode: l.costCode,
    costType: l.costType ?? null,
    subJob: l.subJob ?? null,
    description: `Line ${i + 1}`,
    amount: l.amount,
    syncedAmount: l.syncedAmount ?? null,
  }));
  const budgetId = input.budgetId ?? `b-${randomUUID()}`;
  const exportId = input.exportId ?? `x-${randomUUID()}`;
  const base = { budgetId, projectId: `p-${input.jobNumber}`, companyId: input.companyId, exportId };
  const chunks = chunkSendLines(lines);
  return {
    exportId,
    budgetId,
    companyId: input.companyId,
    summary: {
      ...base,
      sentBy: person('Pat'),
      createdBy: person('Pat'),
      sentAt: input.sentAt ?? new Date().toISOString(),
      name: 'Main budget',
      origin: 'platform',
      kind: input.kind ?? 'original',
      erpSystem: input.system,
      jobNumber: input.jobNumber,
      total: sumAmounts(lines.map((l) => l.amount)),
      syncedTotal: sumAmounts(lines.map((l) => l.syncedAmount ?? '0')),
      modificationIds: [],
      lineCount: lines.length,
      chunkCount: chunks.length,
      linesDigest: linesDigest(lines),
    },
    chunks: chunks.map((chunk, index) => ({ ...base, chunk: index, chunkCount: chunks.length, lines: chunk })),
    accepted: {
      ...base,
      description: 'Budget from the platform',
      revision: input.revision ?? null,
      acceptedBy: person('Alex'),
      acceptedAt: new Date().toISOString(),
    },
  };
}
