// npm run bench:outbox — outbox relay throughput on a 100,000-event backlog and commit→published lag
// when idle, against the machine's PostgreSQL (synchronous_commit on) and the dev broker.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Topics } from '@budget-erp/contracts';
import { createTestDatabase } from '@budget-erp/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { messagingEntities, messagingMigrations, OutboxRelay, OutboxWriter, RelayedEvent, UnitOfWork } from '../src';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100_000);
const IDLE_EVENTS = Number(process.env.BENCH_IDLE_EVENTS ?? 500);
const IDLE_PACE_MS = Number(process.env.BENCH_IDLE_PACE_MS ?? 20);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The dev broker in its own process, as it runs beside services (or KAFKA_BROKERS when set). */
async function startBroker(): Promise<{ brokerList: string[]; description: string; stop(): Promise<void> }> {
  if (process.env.KAFKA_BROKERS) {
    return { brokerList: process.env.KAFKA_BROKERS.split(','), description: `broker at ${process.env.KAFKA_BROKERS}`, stop: async () => undefined };
  }
  const root = path.join(__dirname, '..', '..', '..');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(root, 'tools/kafka-dev-broker/src/cli.ts'), '--port', '0', '--log-level', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const brokers = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`dev broker exited with ${code}`)));
  });
  return {
    brokerList: [brokers],
    description: 'kafka-dev-broker in its own process',
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_outbox');
  const broker = await startBroker();
  const dataSource = new DataSource({ type: 'postgres', url: db.url, entities: messagingEntities, migrations: messagingMigrations, extra: { max: 5 } });
  let relay: OutboxRelay | undefined;
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const [{ synchronous_commit: synchronousCommit }] = await dataSource.query('SHOW synchronous_commit');
    const [{ server_version: pgVersion }] = await dataSource.query('SHOW server_version');

    const kafka = new Kafka({ clientId: 'bench-admin', brokers: broker.brokerList, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: Topics.BudgetLocked }], waitForLeaders: true });
    await admin.disconnect();

    // Backlog: realistic budget.locked events over 1,000 budgets, stored as the writer stores them.
    const seedStart = performance.now();
    await dataSource.query(
      `INSERT INTO outbox_messages (id, topic, message_key, headers, payload)
       SELECT e.id, 'budget.locked', e.budget,
              jsonb_build_object('content-type', 'application/json', 'ce_id', e.id::text, 'ce_source', '/budget',
                'ce_type', 'budget.locked.v1', 'ce_specversion', '1.0', 'ce_time', now()::text, 'ce_subject', e.budget,
                'ce_companyid', 'company-1', 'ce_correlationid', gen_random_uuid()::text),
              jsonb_build_object('budgetId', e.budget, 'projectId', 'project-' || (e.n % 200), 'companyId', 'company-1',
                'lockedBy', jsonb_build_object('userId', 'user-1', 'name', 'Pat Manager', 'email', 'pat@example.com'),
                'lockedAt', now())
         FROM (SELECT n, gen_random_uuid() AS id, 'budget-' || (n % 1000) AS budget FROM generate_series(1, $1) AS n) e
        ORDER BY e.n`,
      [BACKLOG],
    );
    const seedMs = performance.now() - seedStart;

    let published = 0;
    const ackedAt = new Map<string, number>();
    let measuringLag = false;
    relay = new OutboxRelay(dataSource, {
      brokers: broker.brokerList,
      clientId: 'bench-relay',
      batchSize: BATCH_SIZE,
      onBatchPublished: (events: RelayedEvent[]) => {
        published += events.length;
        if (measuringLag) {
          const now = performance.now();
          for (const event of events) ackedAt.set(event.id, now);
        }
      },
    });

    const drainStart = performance.now();
    relay.start();
    for (;;) {
      await sleep(100);
      if (published < BACKLOG) continue;
      const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM outbox_messages WHERE published_at IS NULL');
      if (n === 0) break;
    }
    const drainMs = performance.now() - drainStart;

    // Idle: single events at a steady pace; lag = commit returned → Kafka acknowledged the relay's batch.
    measuringLag = true;
    const uow = new UnitOfWork(dataSource, relay);
    const writer = new OutboxWriter({ serviceName: 'budget' });
    const committedAt = new Map<string, number>();
    for (let i = 0; i < IDLE_EVENTS; i++) {
      const subject = `budget-idle-${i % 50}`;
      const envelope = await uow.run((manager) =>
        writer.publish(manager, {
          topic: Topics.BudgetLocked,
          subject,
          companyId: 'company-1',
          payload: {
            budgetId: subject,
            projectId: 'project-1',
            companyId: 'company-1',
            lockedBy: { userId: 'user-1', name: 'Pat Manager', email: 'pat@example.com' },
            lockedAt: new Date().toISOString(),
          },
        }),
      );
      committedAt.set(envelope.id, performance.now());
      await sleep(IDLE_PACE_MS);
    }
    const deadline = Date.now() + 10_000;
    while (ackedAt.size < IDLE_EVENTS && Date.now() < deadline) await sleep(20);
    const lags = [...committedAt].map(([id, at]) => Math.max(0, (ackedAt.get(id) ?? Number.NaN) - at)).sort((a, b) => a - b);
    const missing = lags.filter((lag) => Number.isNaN(lag)).length;

    const cpus = os.cpus();
    const throughput = BACKLOG / (drainMs / 1000);
    const p50 = percentile(lags, 50);
    const p99 = percentile(lags, 99);
    console.log(
      [
        'outbox relay benchmark',
        `  machine: ${cpus.length} cores (load average ${os.loadavg()[0].toFixed(1)} at the end), ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
        `  database: PostgreSQL ${pgVersion}, synchronous_commit=${synchronousCommit}; broker: ${broker.description} (kafkajs idempotent producer, acks=all)`,
        `  backlog: ${BACKLOG} events seeded in ${(seedMs / 1000).toFixed(1)} s, relay batch size ${BATCH_SIZE}`,
        `  drain: ${(drainMs / 1000).toFixed(2)} s → ${Math.round(throughput)} events/s (target ≥ 5000)`,
        `  idle lag (commit → published) over ${IDLE_EVENTS} events every ${IDLE_PACE_MS} ms: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${lags[lags.length - 1].toFixed(1)} ms (target p99 ≤ 50)${missing ? `, ${missing} not acknowledged` : ''}`,
      ].join('\n'),
    );
  } finally {
    await relay?.stop();
    if (dataSource.isInitialized) await dataSource.destroy();
    await broker.stop();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
