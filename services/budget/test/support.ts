import { ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { Kafka, logLevel, Producer, Consumer } from 'kafkajs';
import { contractFor, PayloadOf, Topic, toKafkaHeaders } from '@budget-erp/contracts';
import { createTestDatabase, startTestBroker, TestBroker, TestDatabase, waitFor } from '@budget-erp/testing';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** The service as its own Node process (as deployed), reachable over HTTP. */
export interface RunningProcess {
  url: string;
  logs: string[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startServiceProcess(env: Record<string, string>): Promise<RunningProcess> {
  const port = await freePort();
  const logs: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', 'services/budget/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json') },
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
    await Promise.race([
      waitFor(
        async () => {
          const response = await fetch(`${url}/health/live`).catch(() => undefined);
          return response?.ok;
        },
        { timeoutMs: 45_000, intervalMs: 200, description: 'the budget service to listen' },
      ),
      exited.then(() => {
        throw new Error(`the budget service exited with ${child.exitCode}:\n${logs.join('')}`);
      }),
    ]);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, logs, close };
}

export const JWT_SECRET = 'budget-component-test-secret';

export interface WiredMessage {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  value: Record<string, unknown>;
}

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

/** An in-memory PGlite served over the PostgreSQL protocol, as the platform's embedded fallback. */
export async function startEmbeddedDatabase(): Promise<TestDatabase> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'support', 'embedded-postgres.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then(() => reject(new Error(`embedded PostgreSQL exited: ${output}`)));
  });
  return {
    name: 'postgres',
    url: `postgres://postgres@${address}/postgres`,
    drop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function startWorld(
  name: string,
  recorded: Topic[],
  env: Record<string, string> = {},
  database: () => Promise<TestDatabase> = () => createTestDatabase(name),
): Promise<World> {
  const [db, broker] = await Promise.all([database(), startTestBroker({ partitions: 1 })]);
  const kafka = new Kafka({ clientId: `${name}-test`, brokers: broker.brokerList, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: recorded.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();

  let service: RunningProcess | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  const stop = async () => {
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
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
    service = await startServiceProcess(serviceEnv);
    producer = kafka.producer();
    await producer.connect();
    const wire: WiredMessage[] = [];
    consumer = kafka.consumer({ groupId: `recorder-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: recorded, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
        wire.push({ topic, key: message.key?.toString() ?? null, headers, value: JSON.parse(message.value?.toString() ?? 'null') });
      },
    });
    const started = { service, producer };
    return {
      get service() {
        return started.service;
      },
      broker,
      db,
      wire,
      async publish(topic, payload, subject, companyId) {
        const contract = contractFor(topic);
        const value = contract.schema.parse(payload);
        const headers = toKafkaHeaders({
          id: randomUUID(),
          source: '/component-test',
          type: contract.type,
          specversion: '1.0',
          time: new Date().toISOString(),
          subject,
          companyid: companyId,
          correlationid: randomUUID(),
        });
        await started.producer.send({ topic, messages: [{ key: subject, value: JSON.stringify(value), headers }] });
      },
      async http(method, path, token, body) {
        const response = await fetch(`${started.service.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : null };
      },
      waitForWire(topic, predicate = () => true) {
        return waitFor(() => wire.find((m) => m.topic === topic && predicate(m)), { timeoutMs: 15_000, description: `a ${topic} message` });
      },
      async stopService() {
        await started.service.close();
      },
      async startService() {
        started.service = await startServiceProcess(serviceEnv);
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

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An HS256 token made here with node:crypto, independently of the code under test. */
export async function tokenFor(claims: Claims): Promise<string> {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const iat = Math.floor(Date.now() / 1000);
  const body = base64url(
    JSON.stringify({
      sub: claims.sub ?? 'u-pm',
      name: claims.name ?? 'Pat Manager',
      email: claims.email ?? 'pat@example.com',
      companyId: claims.companyId,
      perms: claims.perms ?? { budget: 'admin', erpIntegrations: 'none' },
      privileges: claims.privileges ?? [],
      iat,
      exp: iat + 3600,
    }),
  );
  const signature = createHmac('sha256', JWT_SECRET).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}

export const person = (name: string) => ({ userId: `u-${name.toLowerCase()}`, name, email: `${name.toLowerCase()}@example.com` });
export const now = () => new Date().toISOString();
