import { ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Client } from 'pg';
import { startTestBroker, TestBroker, waitFor } from '@budget-erp/testing';

// The service runs in its own process, exactly as `npm start` runs it: real HTTP, real PostgreSQL, the dev broker.
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const secret = 'component-test-secret-0123456789';
const adminUrl = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  details: { path: string; message: string }[];
  checks: Record<string, { status: string }>;
  correlationId?: string;
}

interface OpenApiDocument {
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: JsonSchema }> } }>>;
}

interface JsonSchema {
  required?: string[];
  pattern?: string;
  properties: Record<string, JsonSchema>;
  items: JsonSchema;
}

const json = async <T = ErrorBody>(response: Response): Promise<T> => (await response.json()) as T;

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** HS256 signed independently of the library under test. */
function token(claims: Record<string, unknown>, { key = secret, expiresInSeconds = 3600 } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ iat: now, exp: now + expiresInSeconds, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

const editor = { sub: 'u1', name: 'Pat PM', email: 'pat@example.com', companyId: 'c1', perms: { budget: 'standard', erpIntegrations: 'none' }, privileges: [] };

interface Service {
  url: string;
  logs: Record<string, unknown>[];
  process: ChildProcess;
}

async function startFixture(env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'fixtures', 'component-app.ts')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', JWT_SECRET: secret, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  let url: string | undefined;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (typeof entry.ready === 'string') url = entry.ready;
      else logs.push(entry);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => url || child.exitCode !== null, { timeoutMs: 30_000, description: 'the service to listen' });
  if (!url) throw new Error(`service exited with ${child.exitCode}: ${stderr}`);
  return { url, logs, process: child };
}

async function stopFixture(service: Service | undefined): Promise<void> {
  if (!service || service.process.exitCode !== null) return;
  const exited = new Promise((resolve) => service.process.once('exit', resolve));
  service.process.kill('SIGTERM');
  await exited;
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('a service on the platform kit, over HTTP', () => {
  const databaseName = `t_service_kit_${randomBytes(5).toString('hex')}`;
  let broker: TestBroker;
  let service: Service;

  const call = (method: string, route: string, { bearer, body, headers = {} }: { bearer?: string; body?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${service.url}${route}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body } : {}),
    });

  beforeAll(async () => {
    broker = await startTestBroker();
    const databaseUrl = new URL(adminUrl);
    databaseUrl.pathname = `/${databaseName}`;
    // The database does not exist yet: the platform creates it and runs the migrations.
    service = await startFixture({ DATABASE_URL: databaseUrl.toString(), KAFKA_BROKERS: broker.brokers });
  });

  afterAll(async () => {
    await stopFixture(service);
    await broker?.stop();
    await admin((client) => client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
  });

  it('when started on a server without its database, creates it and runs the service and messaging migrations', async () => {
    const tables = await admin(async () => {
      const url = new URL(adminUrl);
      url.pathname = `/${databaseName}`;
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const result = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
        return result.rows.map((row) => row.table_name);
      } finally {
        await client.end();
      }
    });
    expect(tables).toEqual(expect.arrayContaining(['things', 'outbox_messages', 'inbox_messages']));
  });

  describe('authentication', () => {
    it('when no token is sent, answers 401 Unauthorized', async () => {
      const response = await call('GET', '/things/me');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await json(response)).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Missing bearer token' });
    });

    it('when the token is signed with another key, answers 401 naming the signature', async () => {
      const response = await call('GET', '/things/me', { bearer: token(editor, { key: 'some-other-secret-entirely' }) });
      expect(response.status).toBe(401);
      expect(await json(response)).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Token signature is invalid' });
    });

    it('when the token has expired, answers 401 saying so', async () => {
      const response = await call('GET', '/things/me', { bearer: token(editor, { expiresInSeconds: -10 }) });
      expect(response.status).toBe(401);
      expect(await json(response)).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Token has expired' });
    });

    it('when the token carries no companyId, answers 401', async () => {
      const { companyId: _companyId, ...claims } = editor;
      const response = await call('GET', '/things/me', { bearer: token(claims) });
      expect(response.status).toBe(401);
      expect((await json(response)).message).toContain('companyId');
    });

    it('when the token is valid, the handler receives the principal from its claims', async () => {
      const response = await call('GET', '/things/me', { bearer: token(editor) });
      expect(response.status).toBe(200);
      expect(await json(response)).toEqual({ userId: 'u1', name: 'Pat PM', email: 'pat@example.com', companyId: 'c1', perms: editor.perms, privileges: [] });
    });
  });

  describe('permissions', () => {
    it('when the caller lacks the policy of the route, answers 403 naming the missing permission', async () => {
      const response = await call('POST', '/things/t1/lock', { bearer: token(editor) });
      expect(response.status).toBe(403);
      const body = await json(response);
      expect(body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect(body.message).toContain('budget.lock');
      expect(body.message).toContain('lock_budget');
    });

    it('when a standard user holds lock_budget, passes the guard and meets the state rule as 409 with its code', async () => {
      const response = await call('POST', '/things/t1/lock', { bearer: token({ ...editor, privileges: ['lock_budget'] }) });
      expect(response.status).toBe(409);
      expect(await json(response)).toEqual({ statusCode: 409, error: 'Conflict', code: 'THING.ALREADY_LOCKED', message: 'thingCannotBeLockedTwice' });
    });
  });

  describe('bad input', () => {
    it('when several fields are bad, answers 400 listing every one', async () => {
      const response = await call('POST', '/things', {
        bearer: token(editor),
        body: JSON.stringify({ id: '', name: 'x', lines: [{ costCode: 'a', amount: '1.234' }, { amount: 'ten' }], colour: 'red' }),
      });
      expect(response.status).toBe(400);
      const body = await json(response);
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'VALIDATION_FAILED' });
      expect(body.details.map((detail) => detail.path).sort()).toEqual(['colour', 'id', 'lines.0.amount', 'lines.1.amount', 'lines.1.costCode']);
    });

    it('when the body is malformed JSON, answers 400 and not 500', async () => {
      const response = await call('POST', '/things', { bearer: token(editor), body: '{"id": "t1", ' });
      expect(response.status).toBe(400);
      const body = await json(response);
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(body.message).toMatch(/^Malformed JSON body/);
    });

    it('when the body is valid, the handler writes through the migrated data source', async () => {
      const created = await call('POST', '/things', { bearer: token(editor), body: JSON.stringify({ id: 't1', name: 'First', lines: [{ costCode: '01-100', amount: '1250.00' }] }) });
      expect(created.status).toBe(201);
      const read = await call('GET', '/things/t1', { bearer: token({ ...editor, perms: { budget: 'read_only', erpIntegrations: 'none' } }) });
      expect(await json(read)).toMatchObject({ id: 't1', name: 'First', companyId: 'c1', version: 1 });
    });

    it("when another company's resource is asked for, answers 404 exactly like a missing one", async () => {
      const response = await call('GET', '/things/t1', { bearer: token({ ...editor, companyId: 'c2' }) });
      expect(response.status).toBe(404);
      expect(await json(response)).toEqual({ statusCode: 404, error: 'Not Found', code: 'THING.NOT_FOUND', message: 'Thing t1 not found' });
    });
  });

  describe('unexpected failures', () => {
    it('when a handler throws an unknown error, answers a generic 500 and keeps the stack in the logs only', async () => {
      const response = await call('GET', '/probe/boom', { headers: { 'x-correlation-id': 'boom-1' } });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'An unexpected error occurred' });
      expect(text).not.toContain('secret');
      const logged = await waitFor(() => service.logs.find((line) => line.level === 'error' && line.correlationId === 'boom-1'), { description: 'the error log line' });
      expect(String(logged.stack)).toContain('connection string postgres://secret@db leaked');
    });

    it('when an optimistic version check fails, answers 409', async () => {
      const response = await call('GET', '/probe/stale');
      expect(response.status).toBe(409);
      expect(await json(response)).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'STALE_AGGREGATE' });
    });
  });

  describe('correlation and logs', () => {
    it('when x-correlation-id is sent, the handler runs in that context and the response echoes it', async () => {
      const response = await call('GET', '/probe/correlation', { headers: { 'x-correlation-id': 'corr-42' } });
      expect(response.headers.get('x-correlation-id')).toBe('corr-42');
      expect((await json(response)).correlationId).toBe('corr-42');
    });

    it('when no correlation id is sent, a new uuid is made, echoed, and written on the JSON request log line', async () => {
      const response = await call('GET', '/things/me', { bearer: token(editor) });
      const correlationId = response.headers.get('x-correlation-id');
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      const line = await waitFor(() => service.logs.find((entry) => entry.context === 'HTTP' && entry.correlationId === correlationId), { description: 'the request log line' });
      expect(line).toMatchObject({ level: 'info', service: 'platform-test', method: 'GET', route: '/things/me', status: 200 });
      expect(typeof line.time).toBe('string');
    });
  });

  describe('events', () => {
    it('when a request publishes through the outbox, the inbox transport started by startService applies it in the same correlation', async () => {
      const published = await call('POST', '/notifications/n1/sent', { bearer: token(editor), headers: { 'x-correlation-id': 'flow-7' } });
      expect(published.status).toBe(201);
      const { eventId } = await json<{ eventId: string }>(published);
      const received = await waitFor(
        async () => {
          const response = await call('GET', `/probe/received/${eventId}`);
          return response.ok ? json<{ correlationId: string; contextCorrelationId: string }>(response) : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, description: 'the event to reach the inbox handler' },
      );
      expect(received).toEqual({ correlationId: 'flow-7', contextCorrelationId: 'flow-7' });
      const handlerLog = await waitFor(() => service.logs.find((line) => line.context === 'NotificationEvents'), { description: 'the handler log line' });
      expect(handlerLog).toMatchObject({ message: `applied ${eventId}`, correlationId: 'flow-7' });
    });
  });

  describe('operations endpoints, without a token', () => {
    it('/health/live answers 200', async () => {
      expect((await call('GET', '/health/live')).status).toBe(200);
    });

    it('/health/ready answers 200 with the database and the broker up', async () => {
      const response = await call('GET', '/health/ready');
      const body = await json(response);
      expect(response.status).toBe(200);
      expect(body.checks).toMatchObject({ database: { status: 'up' }, broker: { status: 'up' } });
    });

    it('/metrics serves Prometheus text with the request duration histogram by route and status', async () => {
      const text = await (await call('GET', '/metrics')).text();
      expect(text).toMatch(/http_request_duration_seconds_count\{service="platform-test",method="GET",route="\/things\/me",status_code="401"\} \d+/);
      expect(text).toContain('process_cpu_user_seconds_total');
    });

    it('/docs serves the OpenAPI document with bearer auth and the zod request shape', async () => {
      expect((await call('GET', '/docs')).status).toBe(200);
      const document = await json<OpenApiDocument>(await call('GET', '/docs/json'));
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const schema = document.paths['/things'].post.requestBody.content['application/json'].schema;
      expect(schema.required).toEqual(['id', 'name', 'lines']);
      expect(schema.properties.lines.items.properties.amount.pattern).toBeDefined();
    });
  });
});

describe('readiness when a dependency is down', () => {
  let service: Service | undefined;
  const databaseName = `t_service_kit_down_${randomBytes(5).toString('hex')}`;

  afterAll(async () => {
    await stopFixture(service);
    await admin((client) => client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
  });

  it('when the broker is unreachable and a service check fails, /health/ready answers 503 naming both', async () => {
    const url = new URL(adminUrl);
    url.pathname = `/${databaseName}`;
    service = await startFixture({ DATABASE_URL: url.toString(), KAFKA_BROKERS: '127.0.0.1:1', EXTRA_CHECK_FAILS: 'true' });
    const response = await fetch(`${service.url}/health/ready`);
    expect(response.status).toBe(503);
    const body = await json(response);
    expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: 'Not ready: broker, erp' });
    expect(body.checks.database.status).toBe('up');
    expect(body.details.map((detail) => detail.path)).toEqual(['broker', 'erp']);
  });
});

describe('configuration errors at start', () => {
  it('when required variables are missing, the process exits 1 with one message naming each', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'fixtures', 'component-app.ts')], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, PORT: 'abc' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    for (const variable of ['PORT', 'DATABASE_URL', 'KAFKA_BROKERS', 'JWT_SECRET']) expect(stderr).toContain(`- ${variable}:`);
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
