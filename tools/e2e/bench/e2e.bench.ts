/**
 * `npm run bench:e2e [-- --quick] [-- --n=200] [-- --profile] [-- --phases=1,2,3,4]`: the platform's end-to-end benchmark.
 *
 * First a reference for the machine: PostgreSQL's transactions/s from pgbench (tpcb-like, scale 10,
 * 8 clients, 10 s, in a database of its own, dropped after). Then it starts the whole platform (own
 * databases, free ports) and measures (1) completed sagas per second (send → accept → export → post
 * → synced) with the CPU ms, SQL statements and transactions per saga of each service, (2)
 * send→awaiting_posting latency at half that rate (open loop), (3) the export of one 50,000-line
 * budget, each service's peak RSS, and (4) line edits on 10-, 5,000- and 50,000-line budgets.
 * `--lines=5000,50000,500000`: phase 3's budget sizes, side by side at the end (time to
 * awaiting_posting, each service's peak RSS against the smallest size's, CPU ms, largest record);
 * with `--profile` and without phase 1, the profiles are of the largest budget's saga.
 * `--sql`: the most frequent statements per saga of each service.
 * `--profile`: each service records a V8 CPU profile of phase 1; the bench prints its self time per
 * saga by package group (NestJS, TypeORM, zod, JSON, logging, kafkajs, pg, …) and its top frames.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@budget-erp/contracts';
import { E2ePlatform, ErpSystem, PlatformClient, startE2ePlatform } from '../src';
import { COST_CODES, linkProjectToErpJob } from '../src/flows';
import { summarizeProfile } from './profile-summary';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = args.includes('--quick');
const N = Number(flag('n') ?? process.env.BENCH_N ?? (QUICK ? 40 : 200));
const SMALL_LINES = 5000;
/** A middle size between the 5,000 lines one create request takes and the big budget. */
const MIDDLE_LINES = 8000;
/**
 * Phase 3's budget sizes: `--lines=50000` runs 5,000, 8,000 and 50,000 lines (the default, 10,000
 * with --quick); a list, e.g. `--lines=5000,50000,500000`, runs exactly those sizes.
 */
const LINE_SIZES = ((): number[] => {
  const given = (flag('lines') ?? (QUICK ? '10000' : '50000')).split(',').map(Number);
  if (given.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--lines takes whole numbers of lines, got ${flag('lines')}`);
  if (given.length > 1) return given;
  return [...new Set([SMALL_LINES, MIDDLE_LINES, given[0]])].filter((n) => n <= given[0]);
})();
/** How long one big budget may take from send to awaiting_posting: 30 s, plus 1 ms a line. */
const bigSagaTimeoutMs = (lines: number) => 30000 + lines;
const PHASES = new Set((flag('phases') ?? '1,2,3,4').split(','));
const PROFILE_DIR = args.includes('--profile') ? mkdtempSync(join(tmpdir(), 'bench-cpu-prof-')) : process.env.BENCH_CPU_PROF;
const PGBENCH = !args.includes('--no-pgbench');
/** `--sql`: the services count statements by their text too; phase 1 prints each service's most frequent ones per saga. */
const SQL_TEXTS = args.includes('--sql');
const BUDGETS_PER_COMPANY = 20;
const SYSTEM: ErpSystem = 'cmic';
const SAGA_TIMEOUT_MS = 120000;
const BENCH_DEADLINE_MS = (QUICK ? 5 * 60000 : 20 * 60000) + LINE_SIZES.reduce((a, n) => a + (n > 50000 ? 3 * n : 0), 0);
const SERVICE_NAMES = ['budget', 'approval', 'erp-connector', 'notification'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const startedAt = Date.now();
function checkDeadline(): void {
  if (Date.now() - startedAt > BENCH_DEADLINE_MS) throw new Error(`the benchmark ran past its ${BENCH_DEADLINE_MS / 60000} min limit`);
}

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function pool<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}

// ---------- process metrics ----------

function procStatus(pid: number): { rssKb: number; hwmKb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return { rssKb: 0, hwmKb: 0 };
  }
}

function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Nanoseconds the process's main thread spent runnable but waiting for a core. */
function runQueueWaitNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = values[3] + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const TICKS_PER_SECOND = 100;

/** Peak RSS and CPU of every service process (and of this process: broker, simulator, SMTP sink, load) over one phase. */
/**
 * Peak RSS of each process stage by stage: Linux's high-water mark (VmHWM), reset at each stage
 * boundary through /proc/<pid>/clear_refs, so a short spike between two samples is not missed.
 */
/** VmHWM of each process before StagePeaks reset it, so the whole run's peak survives the resets. */
const hwmBeforeResetsKb = new Map<number, number>();

/** The highest RSS of the process since it started (VmHWM, and what resets of it had seen), in kB. */
function peakSinceStartKb(pid: number): number {
  return Math.max(procStatus(pid).hwmKb, hwmBeforeResetsKb.get(pid) ?? 0);
}

class StagePeaks {
  private readonly stages: { stage: string; peakMb: Record<string, number> }[] = [];

  constructor(private readonly pids: () => Record<string, number>) {}

  private reset(): void {
    for (const pid of Object.values(this.pids())) {
      hwmBeforeResetsKb.set(pid, peakSinceStartKb(pid));
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // Not Linux, or not allowed: the figures below are then peaks since the process started.
      }
    }
  }

  start(): this {
    this.reset();
    return this;
  }

  /** Closes the stage that ends now. */
  stage(name: string): void {
    this.stages.push({ stage: name, peakMb: Object.fromEntries(Object.entries(this.pids()).map(([n, pid]) => [n, Math.round(procStatus(pid).hwmKb / 1024)])) });
    this.reset();
  }

  lines(): string[] {
    return this.stages.map(({ stage, peakMb }) => `      ${stage.padEnd(34)} ${SERVICE_NAMES.map((n) => `${n}=${peakMb[n] ?? '?'}`).join('  ')}`);
  }
}

class PhaseMeter {
  private readonly peaks = new Map<string, number>();
  private readonly cpuStart = new Map<string, number>();
  private readonly waitStart = new Map<string, number>();
  private machineStart = machineTicks();
  private started = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: () => Record<string, number>) {}

  start(): this {
    this.started = Date.now();
    this.machineStart = machineTicks();
    for (const [name, pid] of Object.entries(this.pids())) {
      this.cpuStart.set(name, cpuTicks(pid));
      this.waitStart.set(name, runQueueWaitNs(pid));
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    return this;
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      const { rssKb } = procStatus(pid);
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rssKb));
    }
  }

  stop(): {
    peakRssMb: Record<string, number>;
    cpuPercent: Record<string, number>;
    runQueuePercent: Record<string, number>;
    machineBusyPercent: number;
    seconds: number;
  } {
    clearInterval(this.timer);
    this.sample();
    const seconds = (Date.now() - this.started) / 1000;
    const cpuPercent: Record<string, number> = {};
    const runQueuePercent: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      cpuPercent[name] = Math.round(((cpuTicks(pid) - (this.cpuStart.get(name) ?? 0)) / TICKS_PER_SECOND / seconds) * 100);
      runQueuePercent[name] = Math.round(((runQueueWaitNs(pid) - (this.waitStart.get(name) ?? 0)) / 1e9 / seconds) * 100);
    }
    const machine = machineTicks();
    const machineBusyPercent = Math.round(((machine.busy - this.machineStart.busy) / Math.max(1, machine.total - this.machineStart.total)) * 100 * cpus().length);
    const peakRssMb = Object.fromEntries([...this.peaks].map(([name, kb]) => [name, Math.round(kb / 1024)]));
    return { peakRssMb, cpuPercent, runQueuePercent, machineBusyPercent, seconds };
  }
}

// ---------- events on the wire ----------

/** Watches the topics that mark saga steps, keyed by budget id. */
/** Callers waiting for something named by a key, each with its own deadline. */
class Waiters {
  private readonly byKey = new Map<string, (() => void)[]>();

  /** The keys somebody waits for. */
  keys(): string[] {
    return [...this.byKey.keys()];
  }

  /** Resolves when `key` is released; rejects with `timeoutMessage` after `timeoutMs`. */
  wait(key: string, timeoutMs: number, timeoutMessage: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(timeoutMessage)), timeoutMs);
      const list = this.byKey.get(key) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.byKey.set(key, list);
    });
  }

  release(key: string): void {
    for (const wake of this.byKey.get(key) ?? []) wake();
    this.byKey.delete(key);
  }
}

class Wire {
  private readonly seen = new Map<string, number[]>();
  private readonly ids = new Map<string, string>();
  private readonly waiters = new Waiters();
  private consumer?: Consumer;

  async start(brokers: string): Promise<void> {
    const kafka = new Kafka({ clientId: 'bench-e2e', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `bench-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 50 });
    const joined = new Promise<void>((resolve) => this.consumer!.on(this.consumer!.events.GROUP_JOIN, () => resolve()));
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [Topics.BudgetSent, Topics.BudgetSentLines, Topics.ExportSucceeded, Topics.ExportFailed, Topics.ErpPosted], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const key = `${topic}|${message.key?.toString()}`;
        if (!this.ids.has(key)) this.ids.set(key, message.headers?.ce_id?.toString() ?? '');
        const list = this.seen.get(key) ?? [];
        list.push(Date.now());
        this.seen.set(key, list);
        this.waiters.release(key);
      },
    });
    await Promise.race([joined, sleep(30000).then(() => Promise.reject(new Error('bench consumer did not join within 30 s')))]);
  }

  /** The CloudEvents id of the first event of a topic for a budget. */
  eventId(topic: string, budgetId: string): string | undefined {
    return this.ids.get(`${topic}|${budgetId}`);
  }

  firstAt(topic: string, budgetId: string): number {
    return this.seen.get(`${topic}|${budgetId}`)?.[0] ?? NaN;
  }

  count(topic: string, budgetId: string): number {
    return this.seen.get(`${topic}|${budgetId}`)?.length ?? 0;
  }

  async waitFor(topic: string, budgetId: string, timeoutMs: number): Promise<void> {
    const key = `${topic}|${budgetId}`;
    if (this.seen.has(key)) return;
    if (this.seen.has(`${Topics.ExportFailed}|${budgetId}`)) throw new Error(`export failed for ${budgetId}`);
    await this.waiters.wait(key, timeoutMs, `no ${topic} for ${budgetId} within ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

// ---------- the saga ----------

interface Prepared {
  client: PlatformClient;
  projectId: string;
  jobNumber: string;
  budgetId: string;
}

async function until<T>(description: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${description}${last ? `: ${(last as Error).message}` : ''}`);
}

async function prepareCompanies(e2e: E2ePlatform, count: number, lines: number, label: string): Promise<Prepared[]> {
  const companies = await Promise.all(
    Array.from({ length: Math.ceil(count / BUDGETS_PER_COMPANY) }, (_, i) => e2e.newCompany(`${label}${i}`)),
  );
  const slots = Array.from({ length: count }, (_, i) => ({ client: companies[Math.floor(i / BUDGETS_PER_COMPANY)], i }));
  const prepared: Prepared[] = [];
  const connected = new Set<PlatformClient>();
  await pool(slots, 8, async ({ client, i }) => {
    checkDeadline();
    const projectId = `p-${label}-${i}`;
    const jobNumber = `J-${label}-${i}`.toUpperCase();
    if (!connected.has(client)) {
      connected.add(client);
      await linkProjectToErpJob(client, { system: SYSTEM, projectId, jobNumber });
    } else {
      const job = await client.simulator('POST', '/_sim/jobs', { system: SYSTEM, companyId: client.companyId, jobNumber, costCodes: COST_CODES });
      if (job.status !== 201) throw new Error(`simulator job: ${job.status}`);
      const link = await until(
        'the connection',
        async () => {
          const r = await client.erp('integrations', 'POST', `/erp/projects/${projectId}/link`, { jobNumber });
          return r.status === 200 ? r : undefined;
        },
        10000,
        100,
      );
      void link;
    }
    const created = await client.budget('pm', 'POST', `/projects/${projectId}/budgets`, {
      name: `Bench ${i}`,
      lines: Array.from({ length: lines }, (_, l) => ({ costCode: COST_CODES[l % COST_CODES.length].code, amount: `${(l % 97) + 1}.25` })),
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
    const budgetId = created.body.id as string;
    const locked = await client.budget('pm', 'POST', `/budgets/${budgetId}/lock`, {});
    if (locked.status !== 200) throw new Error(`lock: ${locked.status}`);
    await until(
      'readiness',
      async () => ((await client.budget('pm', 'GET', `/budgets/${budgetId}/erp-readiness`)).body?.canSend ? true : undefined),
      30000,
      200,
    );
    prepared.push({ client, projectId, jobNumber, budgetId });
  });
  return prepared;
}

async function budgetStatus(p: Prepared): Promise<string | undefined> {
  const r = await p.client.budget('pm', 'GET', `/budgets/${p.budgetId}`);
  return r.body?.erpStatus as string | undefined;
}

interface SagaTimes {
  sentAt: number;
  sendAnsweredAt: number;
  acceptedAt: number;
  exportedAt: number;
  awaitingPostingAt: number;
  postedAt: number;
  syncedAt: number;
}

/**
 * send → accept → export.succeeded → (the accountant posts in the ERP) → erp.posted. The budget
 * service is not polled (polling would load it): when it applied export.succeeded
 * (awaiting_posting) and erp.posted (synced) is read afterwards from its inbox table.
 */
async function runSaga(
  p: Prepared,
  wire: Wire,
  approval: InboxWatcher,
  postInErp = true,
  timeoutMs = SAGA_TIMEOUT_MS,
  stage: (name: string) => void = () => undefined,
): Promise<SagaTimes> {
  const sentAt = Date.now();
  const sent = await p.client.budget('pm', 'POST', `/budgets/${p.budgetId}/send-to-erp`, {});
  if (sent.status !== 202) throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body)}`);
  const sendAnsweredAt = Date.now();
  stage('send answered');
  // The approver accepts once the approval service has applied budget.sent and its lines (one chunk
  // here), as a reviewer sees the budget complete; watched in its inbox table, not by polling its API.
  await wire.waitFor(Topics.BudgetSent, p.budgetId, timeoutMs);
  await wire.waitFor(Topics.BudgetSentLines, p.budgetId, timeoutMs);
  await approval.waitFor(wire.eventId(Topics.BudgetSent, p.budgetId)!, timeoutMs);
  await approval.waitFor(wire.eventId(Topics.BudgetSentLines, p.budgetId)!, timeoutMs);
  stage('budget.sent published and reviewed');
  let delay = 10;
  const deadline = Date.now() + SAGA_TIMEOUT_MS;
  for (;;) {
    const r = await p.client.approval('approver', 'POST', `/erp-integrations/budgets/${p.budgetId}/accept`, {});
    if (r.status === 202) break;
    if (r.status !== 404 && r.status !== 409) throw new Error(`accept: ${r.status} ${JSON.stringify(r.body)}`);
    acceptsRefused++;
    if (Date.now() > deadline) throw new Error(`accept still ${r.status} after ${SAGA_TIMEOUT_MS} ms`);
    await sleep(delay);
    delay = Math.min(200, delay * 2);
  }
  const acceptedAt = Date.now();
  stage('accept answered');
  await wire.waitFor(Topics.ExportSucceeded, p.budgetId, timeoutMs);
  const exportedAt = wire.firstAt(Topics.ExportSucceeded, p.budgetId);
  stage('budget.accepted consumed, exported');
  if (!postInErp) return { sentAt, sendAnsweredAt, acceptedAt, exportedAt, awaitingPostingAt: NaN, postedAt: NaN, syncedAt: NaN };
  const posted = await p.client.simulator('POST', `/_sim/${SYSTEM}/jobs/${p.jobNumber}/post-entries?companyId=${encodeURIComponent(p.client.companyId)}`, {});
  if (posted.status !== 200) throw new Error(`post entries: ${posted.status}`);
  await wire.waitFor(Topics.ErpPosted, p.budgetId, SAGA_TIMEOUT_MS);
  const postedAt = wire.firstAt(Topics.ErpPosted, p.budgetId);
  return { sentAt, sendAnsweredAt, acceptedAt, exportedAt, awaitingPostingAt: NaN, postedAt, syncedAt: NaN };
}

/** Accepts answered 404/409 and retried (the review not yet complete): each is a transaction in the approval service. */
let acceptsRefused = 0;

/** Tells when a service's inbox has applied given events, with one query for all of them every 25 ms (no load on the service). */
class InboxWatcher {
  private readonly waiting = new Waiters();
  private readonly applied = new Set<string>();
  private db?: Client;
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly e2e: E2ePlatform,
    private readonly service: string,
  ) {}

  async start(): Promise<this> {
    this.db = new Client({ connectionString: databaseUrl(this.e2e, this.service) });
    await this.db.connect();
    this.timer = setInterval(() => void this.poll(), 25);
    return this;
  }

  private async poll(): Promise<void> {
    const wanted = this.waiting.keys();
    if (this.busy || !wanted.length) return;
    this.busy = true;
    try {
      const { rows } = await this.db!.query<{ message_id: string }>(`SELECT message_id FROM inbox_messages WHERE message_id = ANY($1)`, [wanted]);
      for (const { message_id: id } of rows) {
        this.applied.add(id);
        this.waiting.release(id);
      }
    } catch {
      // next tick
    } finally {
      this.busy = false;
    }
  }

  waitFor(eventId: string, timeoutMs: number): Promise<void> {
    if (this.applied.has(eventId)) return Promise.resolve();
    return this.waiting.wait(eventId, timeoutMs, `${this.service} did not apply ${eventId} within ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.db?.end().catch(() => undefined);
  }
}

/** Fills in when the budget service applied export.succeeded and erp.posted (its inbox rows), waiting (bounded) for the last ones. */
async function budgetAppliedTimes(e2e: E2ePlatform, wire: Wire, pairs: { p: Prepared; times: SagaTimes }[], withPosting: boolean, timeoutMs = 60000): Promise<void> {
  const db = new Client({ connectionString: databaseUrl(e2e, 'budget') });
  await db.connect();
  try {
    const wanted = new Map<string, (at: number) => void>();
    for (const { p, times } of pairs) {
      const exported = wire.eventId(Topics.ExportSucceeded, p.budgetId);
      if (exported) wanted.set(exported, (at) => (times.awaitingPostingAt = at));
      const posted = withPosting ? wire.eventId(Topics.ErpPosted, p.budgetId) : undefined;
      if (posted) wanted.set(posted, (at) => (times.syncedAt = at));
    }
    const deadline = Date.now() + timeoutMs;
    while (wanted.size && Date.now() < deadline) {
      const { rows } = await db.query<{ message_id: string; at: Date }>(
        `SELECT message_id, processed_at AS at FROM inbox_messages WHERE consumer_group LIKE 'budget%' AND message_id = ANY($1)`,
        [[...wanted.keys()]],
      );
      for (const row of rows) {
        wanted.get(row.message_id)?.(row.at.getTime());
        wanted.delete(row.message_id);
      }
      if (wanted.size) await sleep(250);
    }
  } finally {
    await db.end();
  }
}

/** Every budget synced, exactly one export in the ERP per send, one export.succeeded per budget. */
async function verify(prepared: Prepared[], wire: Wire, expectStatus = 'synced'): Promise<{ ok: boolean; problems: string[] }> {
  const problems: string[] = [];
  await pool(prepared, 8, async (p) => {
    const status = await budgetStatus(p);
    if (status !== expectStatus) problems.push(`${p.budgetId} is ${status}`);
    const job = await p.client.simulator('GET', `/_sim/${SYSTEM}/jobs/${p.jobNumber}?companyId=${encodeURIComponent(p.client.companyId)}`);
    const exports = (job.body?.exports as unknown[] | undefined)?.length ?? -1;
    if (exports !== 1) problems.push(`${p.jobNumber} has ${exports} exports in the ERP`);
    const events = wire.count(Topics.ExportSucceeded, p.budgetId);
    if (events !== 1) problems.push(`${p.budgetId} has ${events} export.succeeded events`);
  });
  return { ok: problems.length === 0, problems };
}

// ---------- where the time goes: the services' own inbox and outbox tables ----------

function databaseUrl(e2e: E2ePlatform, service: string): string {
  const name = /\/([^/\s]+)$/.exec(e2e.platform.databases[service] ?? '')?.[1];
  return `${process.env.DATABASE_ADMIN_URL?.replace(/\/[^/]*$/, '') ?? 'postgres://postgres@127.0.0.1:5432'}/${name}`;
}

/** Per service: how fast its inbox applied events (one at a time) and how long its outbox rows waited for the relay. */
async function pipelineReport(e2e: E2ePlatform, from: number, to: number): Promise<void> {
  for (const service of SERVICE_NAMES) {
    const db = new Client({ connectionString: databaseUrl(e2e, service) });
    await db.connect();
    try {
      const inbox = await db.query<{ topic: string; n: string; span: number }>(
        `SELECT topic, count(*) AS n, extract(epoch FROM max(processed_at) - min(processed_at)) AS span
           FROM inbox_messages WHERE processed_at BETWEEN $1 AND $2 GROUP BY ROLLUP(topic) ORDER BY topic NULLS LAST`,
        [new Date(from), new Date(to)],
      );
      const outbox = await db.query<{ n: string; p50: number; p99: number }>(
        `SELECT count(*) AS n,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) * 1000 AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) * 1000 AS p99
           FROM outbox_messages WHERE created_at BETWEEN $1 AND $2 AND published_at IS NOT NULL`,
        [new Date(from), new Date(to)],
      );
      const total = inbox.rows.find((r) => r.topic === null);
      const rate = total && Number(total.span) > 0 ? (Number(total.n) / Number(total.span)).toFixed(0) : '-';
      const o = outbox.rows[0];
      out(
        `    ${service.padEnd(13)} inbox applied ${total?.n ?? 0} events at ${rate}/s while busy (${inbox.rows
          .filter((r) => r.topic !== null)
          .map((r) => `${r.topic}=${r.n}`)
          .join(' ')}); outbox ${o?.n ?? 0} events, created→published p50=${Math.round(Number(o?.p50 ?? NaN))} ms p99=${Math.round(Number(o?.p99 ?? NaN))} ms`,
      );
    } finally {
      await db.end();
    }
  }
}

/** Samples pg_stat_activity of the services' databases: what their connections are doing (or waiting for). */
class DatabaseSampler {
  private readonly counts = new Map<string, Map<string, number>>();
  private db?: Client;
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly e2e: E2ePlatform) {}

  async start(): Promise<this> {
    this.db = new Client({ connectionString: databaseUrl(this.e2e, 'budget') });
    await this.db.connect();
    const names = Object.fromEntries(SERVICE_NAMES.map((s) => [new URL(databaseUrl(this.e2e, s)).pathname.slice(1), s]));
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.db!.query<{ datname: string; activity: string }>(
        `SELECT datname, state || coalesce(' ' || wait_event_type || ':' || wait_event, '') AS activity
           FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()`,
        [Object.keys(names)],
      )
        .then(({ rows }) => {
          for (const row of rows) {
            const service = names[row.datname];
            const map = this.counts.get(service) ?? new Map<string, number>();
            map.set(row.activity, (map.get(row.activity) ?? 0) + 1);
            this.counts.set(service, map);
          }
        })
        .catch(() => undefined)
        .finally(() => (this.busy = false));
    }, 50);
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.db?.end();
    for (const service of SERVICE_NAMES) {
      const map = this.counts.get(service);
      if (!map) continue;
      const total = [...map.values()].reduce((a, b) => a + b, 0);
      const top = [...map]
        .filter(([activity]) => activity !== 'idle')
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([activity, n]) => `${activity} ${Math.round((n / total) * 100)}%`);
      out(`    ${service.padEnd(13)} db connections: ${top.join(', ') || 'idle'} (of ${total} connection samples; the rest idle)`);
    }
  }
}

// ---------- what each service did: its /metrics counters ----------

interface ServiceCounters {
  statements: number;
  transactions: number;
  texts: Map<string, number>;
}

/** db_statements_total and db_transactions_total of each service (its pg clients' round trips). */
async function scrapeCounters(e2e: E2ePlatform): Promise<Record<string, ServiceCounters>> {
  const entries = await Promise.all(
    SERVICE_NAMES.map(async (name) => {
      const text = await fetch(`${e2e.platform.services[name]!.url}/metrics`).then((r) => r.text(), () => '');
      const value = (metric: string) => Number(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      const texts = new Map<string, number>();
      for (const [, label, n] of text.matchAll(/^db_statement_texts_total\{text="((?:[^"\\]|\\.)*)"[^}]*\} (\S+)$/gm)) {
        texts.set(label.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c)), Number(n));
      }
      return [name, { statements: value('db_statements_total'), transactions: value('db_transactions_total'), texts }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function countersLine(before: Record<string, ServiceCounters>, after: Record<string, ServiceCounters>, sagas: number): void {
  const per = (name: string, field: 'statements' | 'transactions') => (after[name][field] - before[name][field]) / Math.max(1, sagas);
  const sum = (field: 'statements' | 'transactions') => SERVICE_NAMES.reduce((a, n) => a + per(n, field), 0);
  out(
    `    SQL per saga  statements (round trips) ${SERVICE_NAMES.map((n) => `${n}=${per(n, 'statements').toFixed(1)}`).join('  ')}  sum=${sum('statements').toFixed(1)}; ` +
      `transactions ${SERVICE_NAMES.map((n) => `${n}=${per(n, 'transactions').toFixed(1)}`).join('  ')}  sum=${sum('transactions').toFixed(1)}`,
  );
  if (!SQL_TEXTS) return;
  for (const name of SERVICE_NAMES) {
    const rows = [...after[name].texts]
      .map(([text, n]) => [text, (n - (before[name].texts.get(text) ?? 0)) / Math.max(1, sagas)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    out(`    ${name} statements per saga, most frequent first:`);
    for (const [text, n] of rows.slice(0, 12)) out(`      ${n.toFixed(2).padStart(6)}  ${text}`);
  }
}

// ---------- the machine's reference: pgbench ----------

const run = promisify(execFile);

function pgbenchPath(): string {
  return ['/usr/lib/postgresql/15/bin/pgbench', '/usr/lib/postgresql/16/bin/pgbench'].find((candidate) => existsSync(candidate)) ?? 'pgbench';
}

/** PostgreSQL's tpcb-like transactions/s on this machine (scale 10, 8 clients, 10 s) in a database of its own, dropped after. */
async function pgbenchReference(): Promise<string> {
  const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_pgbench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
    const bin = pgbenchPath();
    await run(bin, ['-i', '-s', '10', '-q', url], { maxBuffer: 1 << 24 });
    const load = loadavg()[0].toFixed(2);
    const { stdout } = await run(bin, ['-b', 'tpcb-like', '-c', '8', '-j', '2', '-T', '10', url], { maxBuffer: 1 << 24 });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? /tps = ([\d.]+)/.exec(stdout)?.[1];
    return `${tps ? Number(tps).toFixed(0) : '?'} transactions/s (pgbench tpcb-like, scale 10, 8 clients, 10 s; load average ${load} at its start)`;
  } catch (error) {
    return `not measured: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

// ---------- CPU profiles ----------

/** Starts (first call) or stops and writes (second call) the CPU profile of every service (see cpu-profile.ts). */
function toggleProfiles(pids: Record<string, number>): void {
  for (const name of SERVICE_NAMES) {
    try {
      process.kill(pids[name], 'SIGWINCH');
    } catch {
      // the service is gone; it has no profile then
    }
  }
}

/** Per service: self time per saga by package group and the top frames of its phase-1 profile. */
async function profileReport(sagas: number, phase = 'phase 1'): Promise<void> {
  if (!PROFILE_DIR) return;
  await sleep(1500);
  const files = readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'));
  out('');
  out(`CPU profiles of ${phase} (${PROFILE_DIR}), self time in ms per saga (${sagas} sagas):`);
  for (const name of SERVICE_NAMES) {
    const file = files.find((f) => f.startsWith(`${name}-`));
    if (!file) {
      out(`  ${name}: no profile`);
      continue;
    }
    const { totalMs, byGroup, byFunction } = summarizeProfile(join(PROFILE_DIR, file));
    const perSaga = (ms: number) => (ms / Math.max(1, sagas)).toFixed(2);
    out(`  ${name}: ${perSaga(totalMs)} ms per saga on the main thread`);
    out(`    by group    ${byGroup.slice(0, 12).map(([g, ms]) => `${g} ${perSaga(ms)}`).join(' | ')}`);
    for (const [fn, ms] of byFunction.slice(0, 12)) out(`    ${perSaga(ms).padStart(6)}  ${((ms / totalMs) * 100).toFixed(1).padStart(4)}%  ${fn}`);
  }
}

// ---------- line edits (the budget service's handlers against PostgreSQL) ----------

async function editsReport(): Promise<void> {
  out('');
  out('4. Line edits on 10-, 5,000- and 50,000-line budgets (services/budget/bench/line-edits.bench.ts)');
  try {
    const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../../services/budget/bench/line-edits.bench.ts'), '--iterations=30', '--lines=5000,50000'], {
      maxBuffer: 1 << 24,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    for (const line of stdout.split('\n').filter((l) => l.trim() && !l.includes('[Nest]'))) out(`    ${line}`);
  } catch (error) {
    out(`    FAILED: ${(error as Error).message.split('\n')[0]}`);
  }
}

// ---------- report ----------

const report: string[] = [];
function out(line = ''): void {
  console.log(line);
  report.push(line);
}
function stagesLine(times: SagaTimes[]): void {
  const stages: [string, (t: SagaTimes) => number][] = [
    ['send answered', (t) => t.sendAnsweredAt - t.sentAt],
    ['accepted (approval has it)', (t) => t.acceptedAt - t.sendAnsweredAt],
    ['export.succeeded', (t) => t.exportedAt - t.acceptedAt],
    ['budget applied it (awaiting_posting)', (t) => t.awaitingPostingAt - t.exportedAt],
    ['posted in ERP → erp.posted', (t) => t.postedAt - t.exportedAt],
    ['budget applied it (synced)', (t) => t.syncedAt - t.postedAt],
  ];
  const parts = stages
    .map(([name, f]) => [name, times.map(f).filter((v) => Number.isFinite(v))] as const)
    .filter(([, values]) => values.length)
    .map(([name, values]) => `${name} p50=${percentile(values, 50)}/p99=${percentile(values, 99)}`);
  out(`    stages (ms)   ${parts.join('; ')}`);
}

function phaseLine(meter: ReturnType<PhaseMeter['stop']>): void {
  const names = [...SERVICE_NAMES, 'bench'];
  out(`    peak RSS MB   ${names.map((n) => `${n}=${meter.peakRssMb[n] ?? '?'}`).join('  ')}`);
  out(`    main thread waiting for a core %  ${names.map((n) => `${n}=${meter.runQueuePercent[n] ?? '?'}`).join('  ')}`);
  out(`    CPU %         ${names.map((n) => `${n}=${meter.cpuPercent[n] ?? '?'}`).join('  ')}  (bench = broker + simulator + SMTP sink + load)  machine busy=${meter.machineBusyPercent}% of ${cpus().length * 100}%; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

async function main(): Promise<void> {
  const cpu = cpus();
  out('Budget → ERP platform: end-to-end benchmark' + (QUICK ? ' (quick)' : ''));
  out(`Machine: ${cpu.length} cores, ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`);
  out(`Load average before start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine competes for the same cores)`);
  out(`Settings: N=${N} budgets (${BUDGETS_PER_COMPANY} per company, one ERP job each, ${SYSTEM}), big budgets of ${LINE_SIZES.map((n) => n.toLocaleString('en')).join(' / ')} lines`);
  out('Platform: dev broker, ERP simulator and SMTP sink in this process; the four services as child processes; PostgreSQL 15 on loopback');
  out(
    'Targets: send→awaiting_posting ≤4 s for 50,000 lines and ≤40 s for 500,000 lines; every service\'s peak RSS for 500,000 lines within 30 MB of its peak for 5,000 lines; no record on the wire over 1 MiB uncompressed; the largest record and each service\'s CPU per saga printed',
  );

  out(`PostgreSQL reference: ${PGBENCH ? await pgbenchReference() : 'skipped (--no-pgbench)'}`);

  const t0 = Date.now();
  // --profile (or BENCH_CPU_PROF=<dir>): every service writes a V8 CPU profile of phase 1 there.
  const serviceEnv: Record<string, string> = {
    ...(PROFILE_DIR ? { NODE_OPTIONS: `--require @swc-node/register --require ${join(__dirname, 'cpu-profile.ts')}`, BENCH_CPU_PROF: PROFILE_DIR } : {}),
    ...(SQL_TEXTS ? { DB_COUNT_STATEMENT_TEXTS: '1' } : {}),
  };
  const e2e = await startE2ePlatform(Object.keys(serviceEnv).length ? { serviceEnv: Object.fromEntries(SERVICE_NAMES.map((n) => [n, serviceEnv])) } : {});
  out(`Platform up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const pids = (): Record<string, number> => ({
    ...Object.fromEntries(SERVICE_NAMES.map((n) => [n, e2e.platform.services[n]!.process.pid!])),
    bench: process.pid,
  });
  const wire = new Wire();
  let approval: InboxWatcher | undefined;
  let failed = false;
  try {
    await wire.start(e2e.platform.kafkaBrokers);
    approval = await new InboxWatcher(e2e, 'approval').start();

    // Warm-up: JIT, connection pools, consumer groups.
    const warm = await prepareCompanies(e2e, 5, 3, 'warm');
    await Promise.all(warm.map((p) => runSaga(p, wire, approval!)));

    let maxRate = Number(flag('rate') ?? 10);
    if (PHASES.has('1')) {
    // 1. Throughput: all N sagas at once (closed burst).
    out('');
    out(`1. Throughput: ${N} sagas started together, send → accept → export → post → synced`);
    let t = Date.now();
    const burst = await prepareCompanies(e2e, N, 3, 'burst');
    out(`    (prepared ${N} linked, locked, ready budgets in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    const counters1 = await scrapeCounters(e2e);
    if (PROFILE_DIR) toggleProfiles(pids());
    const meter1 = new PhaseMeter(pids).start();
    const sampler = await new DatabaseSampler(e2e).start();
    acceptsRefused = 0;
    t = Date.now();
    const results = await Promise.allSettled(burst.map((p) => runSaga(p, wire, approval!)));
    const burstPairs = burst.flatMap((p, i) => (results[i].status === 'fulfilled' ? [{ p, times: (results[i] as PromiseFulfilledResult<SagaTimes>).value }] : []));
    await budgetAppliedTimes(e2e, wire, burstPairs, true);
    const m1 = meter1.stop();
    if (PROFILE_DIR) toggleProfiles(pids());
    const counters1After = await scrapeCounters(e2e);
    await sampler.stop();
    const done = burstPairs.map((x) => x.times).filter((d) => Number.isFinite(d.syncedAt));
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const firstSent = Math.min(...done.map((d) => d.sentAt));
    const wall = (Math.max(...done.map((d) => d.syncedAt)) - firstSent) / 1000;
    const exportWall = (Math.max(...done.map((d) => d.awaitingPostingAt)) - firstSent) / 1000;
    maxRate = done.length / wall;
    out(`    completed ${done.length}/${N} in ${wall.toFixed(2)} s → ${maxRate.toFixed(1)} sagas/s (to awaiting_posting: ${(done.length / exportWall).toFixed(1)}/s); accepts refused and retried: ${acceptsRefused}`);
    out(`    per-saga send→synced p50=${percentile(done.map((d) => d.syncedAt - d.sentAt), 50)} ms p99=${percentile(done.map((d) => d.syncedAt - d.sentAt), 99)} ms; send→awaiting_posting p50=${percentile(done.map((d) => d.awaitingPostingAt - d.sentAt), 50)} ms p99=${percentile(done.map((d) => d.awaitingPostingAt - d.sentAt), 99)} ms`);
    stagesLine(done);
    if (errors.length) out(`    errors: ${errors.length}, first: ${(errors[0].reason as Error).message}`);
    await pipelineReport(e2e, t, t + wall * 1000);
    const check = await verify(burst, wire);
    out(`    nothing lost or duplicated: ${check.ok ? 'yes' : `NO — ${check.problems.length} problems, e.g. ${check.problems.slice(0, 3).join('; ')}`}`);
    phaseLine(m1);
    out(
      `    CPU ms per saga ${Object.entries(m1.cpuPercent)
        .map(([n, pct]) => `${n}=${Math.round((pct / 100) * m1.seconds * 1000 / Math.max(1, done.length))}`)
        .join('  ')} → at most ~${Math.round((cpus().length * 1000) / Object.values(m1.cpuPercent).reduce((a, pct) => a + (pct / 100) * m1.seconds * 1000 / Math.max(1, done.length), 0))} sagas/s on ${cpus().length} idle cores, PostgreSQL not counted`,
    );
    out(`    CPU ms per saga, four services summed: ${SERVICE_NAMES.reduce((a, n) => a + ((m1.cpuPercent[n] ?? 0) / 100) * m1.seconds * 1000 / Math.max(1, done.length), 0).toFixed(1)}`);
    countersLine(counters1, counters1After, done.length);
    await profileReport(done.length);
    failed ||= !check.ok;
    }

    if (PHASES.has('2')) {
    // 2. Latency at half the maximum rate, open loop.
    checkDeadline();
    const rate = Math.max(1, maxRate / 2);
    const count = Math.max(20, Math.min(N, Math.round(rate * (QUICK ? 5 : 15))));
    out('');
    out(`2. Latency: ${count} sagas started at ${rate.toFixed(1)}/s (half the maximum), open loop`);
    const paced = await prepareCompanies(e2e, count, 3, 'paced');
    const counters2 = await scrapeCounters(e2e);
    const meter = new PhaseMeter(pids).start();
    const begin = Date.now();
    const pending: Promise<SagaTimes>[] = [];
    for (let i = 0; i < paced.length; i++) {
      const due = begin + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      pending.push(runSaga(paced[i], wire, approval!));
    }
    const pacedResults = await Promise.allSettled(pending);
    const pacedPairs = paced.flatMap((p, i) => (pacedResults[i].status === 'fulfilled' ? [{ p, times: (pacedResults[i] as PromiseFulfilledResult<SagaTimes>).value }] : []));
    await budgetAppliedTimes(e2e, wire, pacedPairs, true);
    const m2 = meter.stop();
    const counters2After = await scrapeCounters(e2e);
    const pacedDone = pacedPairs.map((x) => x.times).filter((d) => Number.isFinite(d.awaitingPostingAt));
    const pacedErrors = pacedResults.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (pacedErrors.length) out(`    errors: ${pacedErrors.length}, first: ${(pacedErrors[0].reason as Error).message}`);
    const latencies = pacedDone.map((d) => d.awaitingPostingAt - d.sentAt);
    out(`    completed ${pacedDone.length}/${count}; send→awaiting_posting p50=${percentile(latencies, 50)} ms p90=${percentile(latencies, 90)} ms p99=${percentile(latencies, 99)} ms max=${Math.max(...latencies)} ms`);
    stagesLine(pacedDone);
    out(`    (includes the approver's accept, issued when the approval service has applied budget.sent (its inbox table watched every 25 ms); awaiting_posting = when the budget service applied export.succeeded)`);
    await pipelineReport(e2e, begin, Date.now());
    const check2 = await verify(paced, wire);
    out(`    nothing lost or duplicated: ${check2.ok ? 'yes' : `NO — ${check2.problems.slice(0, 3).join('; ')}`}`);
    phaseLine(m2);
    countersLine(counters2, counters2After, pacedDone.length);
    failed ||= !check2.ok;
    }

    // 3. Large budgets: 5,000 then BIG_LINES lines.
    const bigFigures: BigFigures[] = [];
    for (const lines of PHASES.has('3') ? LINE_SIZES : []) {
      checkDeadline();
      out('');
      out(`3. One ${lines.toLocaleString('en')}-line budget: send → accept → awaiting_posting`);
      const [big] = await prepareBig(e2e, lines);
      big.client.requestTimeoutMs = Math.max(big.client.requestTimeoutMs, bigSagaTimeoutMs(lines));
      await sleep(1000);
      // --profile without phase 1: the services' one profile window is the largest budget's saga.
      const profiled = PROFILE_DIR !== undefined && !PHASES.has('1') && lines === Math.max(...LINE_SIZES);
      if (profiled) toggleProfiles(pids());
      const meter = new PhaseMeter(pids).start();
      const stagePeaks = new StagePeaks(pids).start();
      let times: SagaTimes;
      try {
        times = await runSaga(big, wire, approval!, false, bigSagaTimeoutMs(lines), (name) => stagePeaks.stage(name));
        await budgetAppliedTimes(e2e, wire, [{ p: big, times }], false, bigSagaTimeoutMs(lines));
        stagePeaks.stage('export.succeeded applied');
      } catch (error) {
        const m3 = meter.stop();
        out(`    FAILED: ${(error as Error).message.slice(0, 300)}`);
        const db = new Client({ connectionString: databaseUrl(e2e, 'budget') });
        await db.connect();
        try {
          const { rows } = await db.query<{ n: string; topic: string; bytes: string; last_error: string | null; attempts: number }>(
            `SELECT (SELECT count(*) FROM outbox_messages WHERE published_at IS NULL AND abandoned_at IS NULL) AS n, topic, octet_length(payload::text) AS bytes, last_error, attempts
               FROM outbox_messages WHERE published_at IS NULL AND abandoned_at IS NULL ORDER BY seq LIMIT 1`,
          );
          if (rows[0]) {
            out(
              `    budget outbox: ${rows[0].n} unpublished; the oldest is ${rows[0].topic} of ${rows[0].bytes} payload bytes, ${rows[0].attempts} attempts, last error: ${rows[0].last_error ?? '-'}`,
            );
          }
        } finally {
          await db.end();
        }
        phaseLine(m3);
        failed = true;
        continue;
      }
      const m3 = meter.stop();
      if (profiled) toggleProfiles(pids());
      out(`    send→awaiting_posting ${((times.awaitingPostingAt - times.sentAt) / 1000).toFixed(2)} s`);
      stagesLine([times]);
      const job = await big.client.simulator('GET', `/_sim/${SYSTEM}/jobs/${big.jobNumber}?companyId=${encodeURIComponent(big.client.companyId)}`);
      out(`    ERP has ${(job.body?.exports as unknown[] | undefined)?.length ?? '?'} export(s), ${job.body?.unposted ?? '?'} unposted entries`);
      phaseLine(m3);
      out(
        `    CPU ms for this saga  ${SERVICE_NAMES.map((n) => `${n}=${Math.round(((m3.cpuPercent[n] ?? 0) / 100) * m3.seconds * 1000)}`).join('  ')}  (bench=${Math.round(((m3.cpuPercent.bench ?? 0) / 100) * m3.seconds * 1000)}: broker + simulator + SMTP sink)`,
      );
      const failures = await exportFailures(e2e);
      if (failures.length) out(`    export.failed published so far: ${failures.join('; ')}`);
      const largest = await largestRecords(e2e);
      out(`    largest records stored for the wire so far (key + headers + JSON value, bytes): ${largest.map((r) => `${r.service} ${r.topic}=${r.bytes}`).join('  ')}`);
      out('    peak RSS MB by stage (VmHWM, reset at each boundary):');
      for (const line of stagePeaks.lines()) out(line);
      if (profiled) await profileReport(1, `the ${lines.toLocaleString('en')}-line saga`);
      bigFigures.push({ lines, seconds: (times.awaitingPostingAt - times.sentAt) / 1000, peakRssMb: m3.peakRssMb, cpuMs: Object.fromEntries(Object.entries(m3.cpuPercent).map(([n, pct]) => [n, Math.round((pct / 100) * m3.seconds * 1000)])), largestBytes: largest[0]?.bytes ?? 0 });
    }
    if (bigFigures.length) bigSummary(bigFigures);
    if (PHASES.has('3') && failed) {
      out('');
      out('   After the failure above: does a small budget still go through?');
      const [small] = await prepareCompanies(e2e, 1, 3, 'after');
      const t = Date.now();
      await runSaga(small, wire, approval!, false, 20000).then(
        () => out(`    yes, export.succeeded after ${Date.now() - t} ms`),
        (error: Error) => out(`    NO: ${error.message}`),
      );
    }
    const hwm = Object.fromEntries(Object.entries(pids()).map(([n, pid]) => [n, Math.round(peakSinceStartKb(pid) / 1024)]));
    out('');
    out(`Peak RSS over the whole run (VmHWM, MB): ${Object.entries(hwm).map(([n, v]) => `${n}=${v}`).join('  ')}`);
  } catch (error) {
    failed = true;
    out(`The benchmark stopped: ${(error as Error).stack ?? error}`);
  } finally {
    await wire.stop();
    await approval?.stop();
    await e2e.stop();
  }
  if (PHASES.has('4')) await editsReport();
  out(`Total ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  process.exit(failed ? 1 : 0);
}

interface BigFigures {
  lines: number;
  seconds: number;
  peakRssMb: Record<string, number>;
  cpuMs: Record<string, number>;
  largestBytes: number;
}

/** Phase 3 side by side: time to awaiting_posting against its target, and each service's peak RSS against the smallest size's. */
function bigSummary(figures: BigFigures[]): void {
  const target = (lines: number) => (lines === 50000 ? ' (target ≤4 s)' : lines === 500000 ? ' (target ≤40 s)' : '');
  const smallest = figures.reduce((a, b) => (b.lines < a.lines ? b : a));
  out('');
  out(`3. Summary (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  for (const f of figures) {
    out(
      `    ${f.lines.toLocaleString('en').padStart(7)} lines: send→awaiting_posting ${f.seconds.toFixed(2)} s${target(f.lines)}; peak RSS MB ${SERVICE_NAMES.map((n) => `${n}=${f.peakRssMb[n] ?? '?'}`).join(' ')}; CPU ms ${SERVICE_NAMES.map((n) => `${n}=${f.cpuMs[n] ?? '?'}`).join(' ')}; largest record ${f.largestBytes} B`,
    );
  }
  for (const f of figures.filter((x) => x !== smallest)) {
    const growth = SERVICE_NAMES.map((n) => `${n}=${(f.peakRssMb[n] ?? 0) - (smallest.peakRssMb[n] ?? 0) >= 0 ? '+' : ''}${(f.peakRssMb[n] ?? 0) - (smallest.peakRssMb[n] ?? 0)}`);
    const over = SERVICE_NAMES.filter((n) => (f.peakRssMb[n] ?? 0) - (smallest.peakRssMb[n] ?? 0) > 30);
    out(`    peak RSS ${f.lines.toLocaleString('en')} vs ${smallest.lines.toLocaleString('en')} lines (MB): ${growth.join('  ')} → ${over.length ? `over 30 MB: ${over.join(', ')}` : 'all within 30 MB'}`);
  }
}

/** Every `export.failed` the connector published in the run so far: export, reason and message. */
async function exportFailures(e2e: E2ePlatform): Promise<string[]> {
  const db = new Client({ connectionString: databaseUrl(e2e, 'erp-connector') });
  await db.connect();
  try {
    const { rows } = await db.query<{ line: string }>(
      `SELECT concat(payload->>'exportId', ' ', payload->>'reasonCode', ': ', left(payload->>'message', 160)) AS line FROM outbox_messages WHERE topic = 'export.failed' ORDER BY seq`,
    );
    return rows.map((r) => r.line);
  } finally {
    await db.end();
  }
}

/**
 * The largest records the services have written for the broker (their outbox rows, kept a week
 * after publishing): key, headers and value as stored, the value as PostgreSQL's JSON text.
 */
async function largestRecords(e2e: E2ePlatform): Promise<{ service: string; topic: string; bytes: number }[]> {
  const found: { service: string; topic: string; bytes: number }[] = [];
  for (const service of SERVICE_NAMES) {
    const db = new Client({ connectionString: databaseUrl(e2e, service) });
    await db.connect();
    try {
      const { rows } = await db.query<{ topic: string; bytes: number }>(
        `SELECT topic, max(octet_length(message_key) + octet_length(headers::text) + octet_length(payload::text))::int AS bytes
           FROM outbox_messages GROUP BY topic ORDER BY bytes DESC LIMIT 1`,
      );
      for (const row of rows) found.push({ service, topic: row.topic, bytes: row.bytes });
    } finally {
      await db.end();
    }
  }
  return found.sort((a, b) => b.bytes - a.bytes);
}

/**
 * A budget of `lines` lines. Creation takes at most 5,000 lines and the API adds lines one at a
 * time, so lines beyond 5,000 are inserted straight into the budget service's table (noted in the report).
 */
async function prepareBig(e2e: E2ePlatform, lines: number): Promise<Prepared[]> {
  const t = Date.now();
  const [p] = await prepareCompanies(e2e, 1, Math.min(lines, SMALL_LINES), `big${lines}`);
  if (lines > SMALL_LINES) {
    const unlocked = await p.client.budget('pm', 'POST', `/budgets/${p.budgetId}/unlock`, {});
    if (unlocked.status !== 200) throw new Error(`unlock: ${unlocked.status}`);
    // How fast the API adds lines one by one, for the record.
    const addStart = Date.now();
    const sample = 20;
    for (let i = 0; i < sample; i++) {
      const r = await p.client.budget('pm', 'POST', `/budgets/${p.budgetId}/lines`, { costCode: COST_CODES[i % 3].code, amount: '1.00' });
      if (r.status !== 201) throw new Error(`add line: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    const perAdd = (Date.now() - addStart) / sample;
    out(`    POST /budgets/:id/lines on a ${SMALL_LINES}-line budget: ${perAdd.toFixed(0)} ms per line → the rest inserted in SQL (no bulk add in the API), after locking`);
    const relocked = await p.client.budget('pm', 'POST', `/budgets/${p.budgetId}/lock`, {});
    if (relocked.status !== 200) throw new Error(`lock: ${relocked.status} ${JSON.stringify(relocked.body)}`);
    const db = new Client({ connectionString: databaseUrl(e2e, 'budget') });
    await db.connect();
    try {
      const remaining = lines - SMALL_LINES - sample;
      await db.query(
        `INSERT INTO budget_lines (id, budget_id, position, cost_code, cost_type, sub_job, description, amount_cents)
         SELECT gen_random_uuid()::text, $1, base.max_position + g, (ARRAY['01-100','02-200','03-300'])[1 + g % 3], NULL, NULL, 'Bench line ' || g, 100 + g % 9700
         FROM generate_series(1, $2::int) AS g, (SELECT max(position) AS max_position FROM budget_lines WHERE budget_id = $1) AS base`,
        [p.budgetId, remaining],
      );
    } finally {
      await db.end();
    }
    const view = await p.client.budget('pm', 'GET', `/budgets/${p.budgetId}`);
    out(`    budget has ${(view.body?.lineCount as number | undefined) ?? (view.body?.lines as unknown[] | undefined)?.length} lines, total ${view.body?.total}`);
  }
  out(`    (prepared in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
  return [p];
}

const watchdog = setTimeout(() => {
  console.error('benchmark watchdog: giving up');
  process.exit(2);
}, BENCH_DEADLINE_MS + 120000);
watchdog.unref();

main().catch((error: Error) => {
  console.error(`The benchmark could not run: ${error.message}`);
  process.exit(1);
});
