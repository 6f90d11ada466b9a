import { ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import { createTestDatabase, startTestBroker, TestBroker, TestDatabase, waitFor } from '@budget-erp/testing';

// The Kafka security settings on the wire. The dev broker speaks neither TLS nor SASL, so this checks
// that the plaintext path still works with the settings read, and that a SASL password is never
// written anywhere when the connection fails (the dev broker refuses SASL).
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const secret = 'kafka-security-test-secret-0123';
const canary = 'canary-Pa55word-c41f02';

interface Service {
  url: string;
  output: () => string;
  process: ChildProcess;
}

function token(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iat: now, exp: now + 600, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

async function startFixture(env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'fixtures', 'component-app.ts')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', JWT_SECRET: secret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let url: string | undefined;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    url ??= /\{"ready":"([^"]+)"\}/.exec(output)?.[1];
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  await waitFor(() => url || child.exitCode !== null, { timeoutMs: 30_000, description: 'the service to listen' });
  if (!url) throw new Error(`service exited with ${child.exitCode}: ${output}`);
  return { url, output: () => output, process: child };
}

async function stopFixture(service: Service | undefined): Promise<void> {
  if (!service || service.process.exitCode !== null) return;
  const exited = new Promise((resolve) => service.process.once('exit', resolve));
  service.process.kill('SIGTERM');
  await exited;
}

describe('Kafka security settings against the dev broker', () => {
  let broker: TestBroker;
  let database: TestDatabase;
  let service: Service | undefined;

  beforeAll(async () => {
    broker = await startTestBroker();
    database = await createTestDatabase('service_kit_kafka_security');
  });

  afterEach(async () => {
    await stopFixture(service);
    service = undefined;
  });

  afterAll(async () => {
    await database?.drop();
    await broker?.stop();
  });

  it('when KAFKA_SSL is false and SASL unset, the outbox relay, inbox transport and readiness check all work in plaintext', async () => {
    service = await startFixture({ DATABASE_URL: database.url, KAFKA_BROKERS: broker.brokers, KAFKA_SSL: 'false', LOG_LEVEL: 'warn' });
    const editor = { sub: 'u1', name: 'Pat PM', email: 'pat@example.com', companyId: 'c1', perms: { budget: 'standard', erpIntegrations: 'none' }, privileges: [] };
    const published = await fetch(`${service.url}/notifications/n-plain/sent`, { method: 'POST', headers: { authorization: `Bearer ${token(editor)}` } });
    expect(published.status).toBe(201);
    const { eventId } = (await published.json()) as { eventId: string };
    const received = await waitFor(async () => (await fetch(`${service!.url}/probe/received/${eventId}`)).ok, {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: 'the event to go through the relay and reach the inbox handler',
    });
    expect(received).toBe(true);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
  });

  it('when SASL is configured and the broker refuses it, readiness says so and the password appears in no log line nor response', async () => {
    service = await startFixture({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: broker.brokers,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'budget',
      KAFKA_SASL_PASSWORD: canary,
      LOG_LEVEL: 'debug',
    });
    const ready = await fetch(`${service.url}/health/ready`);
    const body = await ready.text();
    expect(ready.status).toBe(503);
    expect(body).toContain('broker');
    // The relay and the inbox transport try to connect and log why they cannot.
    await waitFor(() => /"level":"(error|warn)".*"context":"(kafkajs|OutboxRelay|KafkaInboxServer)"|"context":"(kafkajs|OutboxRelay|KafkaInboxServer)".*"level":"(error|warn)"/.test(service!.output()), {
      timeoutMs: 20_000,
      description: 'a Kafka connection failure in the logs',
    });
    const output = service.output();
    // kafkajs sees that the broker offers no SaslAuthenticate and gives up before sending credentials.
    expect(output).toContain('could not start');
    expect(body).not.toContain(canary);
    expect(output).not.toContain(canary);
  });
});
