import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import * as path from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { type PayloadOf, type Topic, contractFor, toKafkaHeaders } from '@budget-erp/contracts';
import { type TestBroker, type TestDatabase, createTestDatabase, startTestBroker, waitFor } from '@budget-erp/testing';

type PermissionLevel = 'none' | 'read_only' | 'standard' | 'admin';

export const JWT_SECRET = 'approval-test-secret-0123456789';

export interface Infra {
  db: TestDatabase;
  broker: TestBroker;
  stop(): Promise<void>;
}

export async function startInfra(prefix: string): Promise<Infra> {
  const [db, broker] = await Promise.all([createTestDatabase(prefix), startTestBroker({ partitions: 1 })]);
  return {
    db,
    broker,
    stop: async () => {
      await broker.stop();
      await db.drop();
    },
  };
}

export interface RunningProcess {
  url: string;
  logs: string[];
  close(): Promise<void>;
}

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The real service as its own Node process, as deployed (HTTP, inbox consumer, outbox relay). A
 * separate process also keeps the ESM-only JWT library out of jest.
 */
export async function startApproval(infra: { db: { url: string }; broker: { brokers: string } }): Promise<RunningProcess> {
  const port = await freePort();
  const logs: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', 'services/approval/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: infra.db.url,
      KAFKA_BROKERS: infra.broker.brokers,
      JWT_SECRET,
      LOG_LEVEL: 'warn',
      SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`approval service exited with ${child.exitCode}:\n${logs.join('')}`);
        const response = await fetch(`${url}/health/ready`).catch(() => undefined);
        return response?.ok;
      },
      { timeoutMs: 45_000, intervalMs: 200, description: 'the approval service to be ready' },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { url, logs, close };
}

export interface Caller {
  userId: string;
  name: string;
  email: string;
  erpIntegrations: PermissionLevel;
  privileges: string[];
}

export const callers = {
  alex: { userId: 'u-alex', name: 'Alex Approver', email: 'alex@example.test', erpIntegrations: 'standard', privileges: ['can_push_to_accounting'] },
  sam: { userId: 'u-sam', name: 'Sam Second', email: 'sam@example.test', erpIntegrations: 'admin', privileges: ['can_push_to_accounting'] },
  reader: { userId: 'u-rita', name: 'Rita Reader', email: 'rita@example.test', erpIntegrations: 'read_only', privileges: [] },
  integrator: { userId: 'u-ivan', name: 'Ivan Integrations', email: 'ivan@example.test', erpIntegrations: 'standard', privileges: [] },
  adminWithout: { userId: 'u-ada', name: 'Ada Admin', email: 'ada@example.test', erpIntegrations: 'admin', privileges: [] },
  outsider: { userId: 'u-olga', name: 'Olga None', email: 'olga@example.test', erpIntegrations: 'none', privileges: [] },
} satisfies Record<string, Caller>;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 token signed here with node:crypto, independently of the auth library. */
export function tokenFor(caller: Caller, companyId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: caller.userId,
    name: caller.name,
    email: caller.email,
    companyId,
    perms: { budget: 'standard', erpIntegrations: caller.erpIntegrations },
    privileges: caller.privileges,
    iat: now,
    exp: now + 3600,
  };
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  return `${unsigned}.${createHmac('sha256', JWT_SECRET).update(unsigned).digest('base64url')}`;
}

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

export async function api<T = unknown>(service: { url: string }, token: string, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Produces upstream events through the real broker, as the budget service and the ERP connector would. */
export class EventProducer {
  private constructor(private readonly producer: Producer) {}

  static async connect(brokers: string): Promise<EventProducer> {
    const kafka = new Kafka({ clientId: 'approval-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    await producer.connect();
    return new EventProducer(producer);
  }

  /** Sends one event; pass the same `id` again to redeliver it. Returns the event id. */
  async send<T extends Topic>(topic: T, payload: PayloadOf<T>, id: string = randomUUID()): Promise<string> {
    const { companyId, budgetId, projectId } = payload as { companyId: string; budgetId?: string | null; projectId?: string };
    const subject = budgetId ?? projectId ?? companyId;
    const headers = toKafkaHeaders({
      id,
      source: '/test',
      type: contractFor(topic).type,
      specversion: '1.0',
      time: new Date().toISOString(),
      subject,
      companyid: companyId,
      correlationid: randomUUID(),
    });
    await this.producer.send({ topic, messages: [{ key: subject, value: JSON.stringify(payload), headers }] });
    return id;
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
