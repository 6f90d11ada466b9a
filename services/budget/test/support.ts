import { PayloadOf, Topic } from '@budget-erp/contracts';
import {
  CollectedMessage,
  collectTopic,
  createTestDatabase,
  httpJson,
  ServiceProcess,
  signTestJwt,
  startServiceProcess,
  startTestBroker,
  TestBroker,
  TestDatabase,
  TestEventProducer,
  TopicCollector,
  waitFor,
} from '@budget-erp/testing';

/** The service as its own Node process (as deployed), reachable over HTTP. */
export type RunningProcess = ServiceProcess;

function startBudgetProcess(env: Record<string, string>): Promise<RunningProcess> {
  return startServiceProcess({ main: 'services/budget/src/main.ts', env, readyPath: '/health/live', name: 'the budget service' });
}

export const JWT_SECRET = 'budget-component-test-secret';

export type WiredMessage = CollectedMessage<Record<string, unknown>>;

/** The budget service over HTTP on a fresh database and a dev broker, plus a producer and a recorder. */
export interface World {
  service: RunningProcess;
  broker: TestBroker;
  db: TestDatabase;
  /** Every message seen on the recorded topics. */
  wire: WiredMessage[];
  publish<T extends Topic>(topic: T, payload: PayloadOf<T>, subject: string, companyId: string): Promise<void>;
  // Answers are arbitrary JSON that the tests read field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  http(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
  waitForWire(topic: string, predicate?: (m: WiredMessage) => boolean): Promise<WiredMessage>;
  /** Stops the service process; `start` runs a new one on the same database and broker. */
  stopService(): Promise<void>;
  startService(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorld(
  name: string,
  recorded: Topic[],
  env: Record<string, string> = {},
  database: () => Promise<TestDatabase> = () => createTestDatabase(name),
): Promise<World> {
  const [db, broker] = await Promise.all([database(), startTestBroker({ partitions: 1 })]);
  let service: RunningProcess | undefined;
  let producer: TestEventProducer | undefined;
  let recorder: TopicCollector<Record<string, unknown>> | undefined;
  const stop = async () => {
    await recorder?.stop().catch(() => undefined);
    await producer?.close().catch(() => undefined);
    await service?.close().catch(() => undefined);
    await broker.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
  };
  const serviceEnv = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: broker.brokers,
    JWT_SECRET,
    LOG_LEVEL: 'warn',
    OUTBOX_POLL_MS: '100',
    EXPORT_TIMEOUT_SWEEP_MS: '200',
    ...env,
  };
  try {
    recorder = await collectTopic<Record<string, unknown>>(broker.brokerList, recorded, { numPartitions: 1 });
    const wire = recorder.messages;
    service = await startBudgetProcess(serviceEnv);
    producer = await TestEventProducer.connect(broker.brokerList, `${name}-test`);
    const started = { service, producer };
    return {
      get service() {
        return started.service;
      },
      broker,
      db,
      wire,
      async publish(topic, payload, subject, companyId) {
        await started.producer.send(topic, payload, { subject, companyId, source: '/component-test', validate: true });
      },
      http(method, path, token, body) {
        return httpJson(started.service.url, method, path, token, body);
      },
      waitForWire(topic, predicate = () => true) {
        return waitFor(() => wire.find((m) => m.topic === topic && predicate(m)), { timeoutMs: 15_000, description: `a ${topic} message` });
      },
      async stopService() {
        await started.service.close();
      },
      async startService() {
        started.service = await startBudgetProcess(serviceEnv);
        service = started.service;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Level = 'none' | 'read_only' | 'standard' | 'admin';

export interface Claims {
  sub?: string;
  name?: string;
  email?: string;
  companyId: string;
  perms?: { budget: Level; erpIntegrations: Level };
  privileges?: string[];
}

/** An HS256 token made here with node:crypto, independently of the code under test. */
export async function tokenFor(claims: Claims): Promise<string> {
  return signTestJwt(
    {
      sub: claims.sub ?? 'u-pm',
      name: claims.name ?? 'Pat Manager',
      email: claims.email ?? 'pat@example.com',
      companyId: claims.companyId,
      perms: claims.perms ?? { budget: 'admin', erpIntegrations: 'none' },
      privileges: claims.privileges ?? [],
    },
    JWT_SECRET,
  );
}

export const person = (name: string) => ({ userId: `u-${name.toLowerCase()}`, name, email: `${name.toLowerCase()}@example.com` });
export const now = () => new Date().toISOString();

type ErpSystemName = PayloadOf<'erp.project.linked'>['erpSystem'];

/** Publishes what the erp-connector says of a company's ERP connection (`erp.connection.updated`). */
export function publishErpConnection(world: World, companyId: string, erpSystem: ErpSystemName, estimatesEnabled = false): Promise<void> {
  return world.publish('erp.connection.updated', { companyId, erpSystem, estimatesEnabled, timeZone: 'UTC', updatedAt: now() }, companyId, companyId);
}

/** Publishes the erp-connector's `erp.project.linked`: the project is linked to an ERP job with these cost codes. */
export function publishProjectLink(
  world: World,
  link: { companyId: string; projectId: string; erpSystem: ErpSystemName; jobNumber: string; jobName: string; costCodes: { code: string; description: string }[]; supportsSubJobs?: boolean; linkedBy: { userId: string; name: string; email: string } },
): Promise<void> {
  const { supportsSubJobs = true, ...rest } = link;
  return world.publish('erp.project.linked', { ...rest, supportsSubJobs, subJobs: [], linkedAt: now() }, link.projectId, link.companyId);
}
