import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { RunningBroker, startBroker } from '@budget-erp/kafka-dev-broker';
import { createTestDatabase, startTestBroker, TestBroker, TestDatabase, waitFor } from '@budget-erp/testing';

// The Kafka security settings on the wire. The dev broker speaks neither TLS nor SASL, so this checks
// that the plaintext path still works with the settings read, that a SASL password is never written
// anywhere when the connection fails (the dev broker refuses SASL), and TLS through a TLS-terminating
// proxy in front of the dev broker (advertising the proxy).
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
  await waitFor(() => url || child.exitCode !== null, { timeoutMs: 60_000, description: 'the service to listen' });
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

describe('Kafka over TLS, through a TLS-terminating proxy in front of the dev broker', () => {
  let directory: string;
  let caFile: string;
  let proxy: tls.Server;
  let broker: RunningBroker;
  let database: TestDatabase;
  let service: Service | undefined;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'service-kit-tls-'));
    caFile = path.join(directory, 'broker.pem');
    const keyFile = path.join(directory, 'broker.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', caFile], { stdio: 'ignore' });
    let upstreamPort = 0;
    proxy = tls.createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (client) => {
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => (socket === client ? upstream : client).destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    broker = await startBroker({ port: 0, advertisedPort: proxyPort });
    upstreamPort = broker.port;
    database = await createTestDatabase('service_kit_kafka_tls');
  });

  afterEach(async () => {
    await stopFixture(service);
    service = undefined;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => proxy?.close(resolve));
    await broker?.stop();
    await database?.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('when KAFKA_SSL is true with the CA bundle, events go through the relay and the inbox over TLS and the service is ready', async () => {
    expect(broker.brokers).toBe(`127.0.0.1:${(proxy.address() as net.AddressInfo).port}`);
    service = await startFixture({ DATABASE_URL: database.url, KAFKA_BROKERS: broker.brokers, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: caFile, LOG_LEVEL: 'warn' });
    const editor = { sub: 'u1', name: 'Pat PM', email: 'pat@example.com', companyId: 'c1', perms: { budget: 'standard', erpIntegrations: 'none' }, privileges: [] };
    const published = await fetch(`${service.url}/notifications/n-tls/sent`, { method: 'POST', headers: { authorization: `Bearer ${token(editor)}` } });
    expect(published.status).toBe(201);
    const { eventId } = (await published.json()) as { eventId: string };
    const received = await waitFor(async () => (await fetch(`${service!.url}/probe/received/${eventId}`)).ok, {
      timeoutMs: 20_000,
      intervalMs: 100,
      description: 'the event to reach the inbox handler over TLS',
    });
    expect(received).toBe(true);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
  });

  it('when KAFKA_SSL is true without the CA bundle, the self-signed broker certificate is refused and readiness says so', async () => {
    service = await startFixture({ DATABASE_URL: database.url, KAFKA_BROKERS: broker.brokers, KAFKA_SSL: 'true', LOG_LEVEL: 'warn' });
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/broker .*unreachable.*(self-signed|certificate)/i);
  });
});

