import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Client } from 'pg';
import { sumAmounts } from '@budget-erp/money';
import { type ErpSystem, type PayloadOf, type Topic } from '@budget-erp/contracts';
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
];

export const CONNECTOR_ENV: Record<string, string> = {
  JWT_SECRET,
  LOG_LEVEL: 'info',
  ERP_CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
  ERP_TIMEOUT_MS: '800',
  EXPORT_RETRY_BASE_MS: '50',
  EXPORT_RETRY_MAX_MS: '400',
  EXPORT_POLL_MS: '100',
  EXPORT_LEASE_MS: '1500',
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
      await admin.createTopics({ topics: [...OUTPUT_TOPICS, 'budget.accepted', 'budget.import.requested'].map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
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

export interface AcceptedInput {
  companyId: string;
  system: ErpSystem;
  jobNumber: string;
  kind?: 'original' | 'revision';
  lines: { costCode: string; subJob?: string | null; costType?: string | null; amount: string; syncedAmount?: string | null }[];
  revision?: PayloadOf<'budget.accepted'>['revision'];
  exportId?: string;
  budgetId?: string;
}

export function accepted(input: AcceptedInput): PayloadOf<'budget.accepted'> {
  const lines = input.lines.map((l, i) => ({
    lineId: `l${i + 1}`,
    costCode: l.costCode,
    costType: l.costType ?? null,
    subJob: l.subJob ?? null,
    description: `Line ${i + 1}`,
    amount: l.amount,
    syncedAmount: l.syncedAmount ?? null,
  }));
  return {
    budgetId: input.budgetId ?? `b-${randomUUID()}`,
    projectId: `p-${input.jobNumber}`,
    companyId: input.companyId,
    exportId: input.exportId ?? `x-${randomUUID()}`,
    description: 'Budget from the platform',
    revision: input.revision ?? null,
    acceptedBy: person('Alex'),
    acceptedAt: new Date().toISOString(),
    sentBy: person('Pat'),
    createdBy: person('Pat'),
    snapshot: {
      name: 'Main budget',
      origin: 'platform',
      kind: input.kind ?? 'original',
      erpSystem: input.system,
      jobNumber: input.jobNumber,
      lines,
      total: sumAmounts(lines.map((l) => l.amount)),
      syncedTotal: sumAmounts(lines.map((l) => l.syncedAmount ?? '0')),
      modificationIds: [],
    },
  };
}
