/**
 * `npm run bench:e2e [-- --quick] [-- --n=200]`: the platform's end-to-end benchmark.
 *
 * Starts the whole platform (own databases, free ports) and measures completed sagas per second
 * (send → accept → export → post → synced), send→awaiting_posting latency at half that rate
 * (open loop), each service's peak RSS and CPU, and the export of one 50,000-line budget.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@budget-erp/contracts';
import { E2ePlatform, ErpSystem, PlatformClient, startE2ePlatform } from '../src';
import { COST_CODES, linkProjectToErpJob } from '../src/flows';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = args.includes('--quick');
const N = Number(flag('n') ?? process.env.BENCH_N ?? (QUICK ? 40 : 200));
const BIG_LINES = Number(flag('lines') ?? (QUICK ? 10000 : 50000));
const SMALL_LINES = 5000;
const BUDGETS_PER_COMPANY = 20;
const SYSTEM: ErpSystem = 'cmic';
const SAGA_TIMEOUT_MS = 120000;
const BENCH_DEADLINE_MS = QUICK ? 5 * 60000 : 20 * 60000;
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

function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = values[3] + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const TICKS_PER_SECOND = 100;

/** Peak RSS and CPU of every service process (and of this process: broker, simulator, SMTP sink, load) over one phase. */
class PhaseMeter {
  private readonly peaks = new Map<string, number>();
  private readonly cpuStart = new Map<string, number>();
  private machineStart = machineTicks();
  private started = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(private readonly pids: () => Record<string, number>) {}

  start(): this {
    this.started = Date.now();
    this.machineStart = machineTicks();
    for (const [name, pid] of Object.entries(this.pids())) this.cpuStart.set(name, cpuTicks(pid));
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

  stop(): { peakRssMb: Record<string, number>; cpuPercent: Record<string, number>; machineBusyPercent: number; seconds: number } {
    clearInterval(this.timer);
    this.sample();
    const seconds = (Date.now() - this.started) / 1000;
    const cpuPercent: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      cpuPercent[name] = Math.round(((cpuTicks(pid) - (this.cpuStart.get(name) ?? 0)) / TICKS_PER_SECOND / seconds) * 100);
    }
    const machine = machineTicks();
    const machineBusyPercent = Math.round(((machine.busy - this.machineStart.busy) / Math.max(1, machine.total - this.machineStart.total)) * 100 * cpus().length);
    const peakRssMb = Object.fromEntries([...this.peaks].map(([name, kb]) => [name, Math.round(kb / 1024)]));
    return { peakRssMb, cpuPercent, machineBusyPercent, seconds };
  }
}

// ---------- events on the wire ----------

/** Watches the topics that mark saga steps, keyed by budget id. */
class Wire {
  private readonly seen = new Map<string, number[]>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private consumer?: Consumer;

  async start(brokers: string): Promise<void> {
    const kafka = new Kafka({ clientId: 'bench-e2e', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `bench-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 50 });
    const joined = new Promise<void>((resolve) => this.consumer!.on(this.consumer!.events.GROUP_JOIN, () => resolve()));
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [Topics.ExportSucceeded, Topics.ExportFailed, Topics.ErpPosted], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const key = `${topic}|${message.key?.toString()}`;
        const list = this.seen.get(key) ?? [];
        list.push(Date.now());
        this.seen.set(key, list);
        for (const wake of this.waiters.get(key) ?? []) wake();
        this.waiters.delete(key);
      },
    });
    await Promise.race([joined, sleep(30000).then(() => Promise.reject(new Error('bench consumer did not join within 30 s')))]);
  }

  count(topic: string, budgetId: string): number {
    return this.seen.get(`${topic}|${budgetId}`)?.length ?? 0;
  }

  async waitFor(topic: string, budgetId: string, timeoutMs: number): Promise<void> {
    const key = `${topic}|${budgetId}`;
    if (this.seen.has(key)) return;
    if (this.seen.has(`${Topics.ExportFailed}|${budgetId}`)) throw new Error(`export failed for ${budgetId}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${topic} for ${budgetId} within ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiters.get(key) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.waiters.set(key, list);
    });
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
  awaitingPostingAt: number;
  syncedAt: number;
}

/** send → accept → exported (awaiting_posting) → posted in the ERP → synced. */
async function runSaga(p: Prepared, wire: Wire, postInErp = true): Promise<SagaTimes> {
  const sentAt = Date.now();
  const sent = await p.client.budget('pm', 'POST', `/budgets/${p.budgetId}/send-to-erp`, {});
  if (sent.status !== 202) throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body)}`);
  // The approval service learns of the budget from budget.sent; until then accept answers 404/409.
  await until(
    'accept',
    async () => {
      const r = await p.client.approval('approver', 'POST', `/erp-integrations/budgets/${p.budgetId}/accept`, {});
      if (r.status === 202) return true;
      if (r.status !== 404 && r.status !== 409) throw new Error(`accept: ${r.status} ${JSON.stringify(r.body)}`);
      return undefined;
    },
    SAGA_TIMEOUT_MS,
    10,
  );
  await wire.waitFor(Topics.ExportSucceeded, p.budgetId, SAGA_TIMEOUT_MS);
  await until('awaiting_posting', async () => ((await budgetStatus(p)) === 'awaiting_posting' ? true : undefined), 30000, 10);
  const awaitingPostingAt = Date.now();
  if (!postInErp) return { sentAt, awaitingPostingAt, syncedAt: NaN };
  const posted = await p.client.simulator('POST', `/_sim/${SYSTEM}/jobs/${p.jobNumber}/post-entries?companyId=${encodeURIComponent(p.client.companyId)}`, {});
  if (posted.status !== 200) throw new Error(`post entries: ${posted.status}`);
  await wire.waitFor(Topics.ErpPosted, p.budgetId, SAGA_TIMEOUT_MS);
  await until('synced', async () => ((await budgetStatus(p)) === 'synced' ? true : undefined), 30000, 20);
  return { sentAt, awaitingPostingAt, syncedAt: Date.now() };
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

// ---------- report ----------

const report: string[] = [];
function out(line = ''): void {
  console.log(line);
  report.push(line);
}
function phaseLine(meter: ReturnType<PhaseMeter['stop']>): void {
  const names = [...SERVICE_NAMES, 'bench'];
  out(`    peak RSS MB   ${names.map((n) => `${n}=${meter.peakRssMb[n] ?? '?'}`).join('  ')}`);
  out(`    CPU %         ${names.map((n) => `${n}=${meter.cpuPercent[n] ?? '?'}`).join('  ')}  (bench = broker + simulator + SMTP sink + load)  machine busy=${meter.machineBusyPercent}% of ${cpus().length * 100}%`);
}

async function main(): Promise<void> {
  const cpu = cpus();
  out('Budget → ERP platform: end-to-end benchmark' + (QUICK ? ' (quick)' : ''));
  out(`Machine: ${cpu.length} cores, ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`);
  out(`Settings: N=${N} budgets (${BUDGETS_PER_COMPANY} per company, one ERP job each, ${SYSTEM}), big budget ${BIG_LINES} lines`);
  out('Platform: dev broker, ERP simulator and SMTP sink in this process; the four services as child processes; PostgreSQL 15 on loopback');
  out('Targets: ≥150 sagas/s, p99 send→awaiting_posting ≤100 ms at half load, 50,000-line export ≤10 s, every service <256 MB RSS, memory flat 5,000→50,000 lines');

  const t0 = Date.now();
  const e2e = await startE2ePlatform();
  out(`Platform up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const pids = (): Record<string, number> => ({
    ...Object.fromEntries(SERVICE_NAMES.map((n) => [n, e2e.platform.services[n]!.process.pid!])),
    bench: process.pid,
  });
  const wire = new Wire();
  let failed = false;
  try {
    await wire.start(e2e.platform.kafkaBrokers);

    // Warm-up: JIT, connection pools, consumer groups.
    const warm = await prepareCompanies(e2e, 5, 3, 'warm');
    await Promise.all(warm.map((p) => runSaga(p, wire)));

    // 1. Throughput: all N sagas at once (closed burst).
    out('');
    out(`1. Throughput: ${N} sagas started together, send → accept → export → post → synced`);
    let t = Date.now();
    const burst = await prepareCompanies(e2e, N, 3, 'burst');
    out(`    (prepared ${N} linked, locked, ready budgets in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    let meter = new PhaseMeter(pids).start();
    t = Date.now();
    const results = await Promise.allSettled(burst.map((p) => runSaga(p, wire)));
    const wall = (Date.now() - t) / 1000;
    const m1 = meter.stop();
    const done = results.filter((r): r is PromiseFulfilledResult<SagaTimes> => r.status === 'fulfilled').map((r) => r.value);
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const firstSent = Math.min(...done.map((d) => d.sentAt));
    const exportWall = (Math.max(...done.map((d) => d.awaitingPostingAt)) - firstSent) / 1000;
    const maxRate = done.length / wall;
    out(`    completed ${done.length}/${N} in ${wall.toFixed(2)} s → ${maxRate.toFixed(1)} sagas/s (to awaiting_posting: ${(done.length / exportWall).toFixed(1)}/s)`);
    out(`    per-saga send→synced p50=${percentile(done.map((d) => d.syncedAt - d.sentAt), 50)} ms p99=${percentile(done.map((d) => d.syncedAt - d.sentAt), 99)} ms; send→awaiting_posting p50=${percentile(done.map((d) => d.awaitingPostingAt - d.sentAt), 50)} ms p99=${percentile(done.map((d) => d.awaitingPostingAt - d.sentAt), 99)} ms`);
    if (errors.length) out(`    errors: ${errors.length}, first: ${(errors[0].reason as Error).message}`);
    const check = await verify(burst, wire);
    out(`    nothing lost or duplicated: ${check.ok ? 'yes' : `NO — ${check.problems.length} problems, e.g. ${check.problems.slice(0, 3).join('; ')}`}`);
    phaseLine(m1);
    failed ||= !check.ok;

    // 2. Latency at half the maximum rate, open loop.
    checkDeadline();
    const rate = Math.max(1, maxRate / 2);
    const count = Math.max(20, Math.min(N, Math.round(rate * (QUICK ? 5 : 15))));
    out('');
    out(`2. Latency: ${count} sagas started at ${rate.toFixed(1)}/s (half the maximum), open loop`);
    const paced = await prepareCompanies(e2e, count, 3, 'paced');
    meter = new PhaseMeter(pids).start();
    const begin = Date.now();
    const pending: Promise<SagaTimes>[] = [];
    for (let i = 0; i < paced.length; i++) {
      const due = begin + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      pending.push(runSaga(paced[i], wire));
    }
    const pacedResults = await Promise.allSettled(pending);
    const m2 = meter.stop();
    const pacedDone = pacedResults.filter((r): r is PromiseFulfilledResult<SagaTimes> => r.status === 'fulfilled').map((r) => r.value);
    const latencies = pacedDone.map((d) => d.awaitingPostingAt - d.sentAt);
    out(`    completed ${pacedDone.length}/${count}; send→awaiting_posting p50=${percentile(latencies, 50)} ms p90=${percentile(latencies, 90)} ms p99=${percentile(latencies, 99)} ms max=${Math.max(...latencies)} ms`);
    out(`    (includes the approver's accept, issued as soon as the approval service has the budget; polled every 10 ms)`);
    const check2 = await verify(paced, wire);
    out(`    nothing lost or duplicated: ${check2.ok ? 'yes' : `NO — ${check2.problems.slice(0, 3).join('; ')}`}`);
    phaseLine(m2);
    failed ||= !check2.ok;

    // 3. Large budgets: 5,000 then BIG_LINES lines.
    for (const lines of [SMALL_LINES, BIG_LINES]) {
      checkDeadline();
      out('');
      out(`3. One ${lines.toLocaleString('en')}-line budget: send → accept → awaiting_posting`);
      const [big] = await prepareBig(e2e, lines);
      await sleep(1000);
      meter = new PhaseMeter(pids).start();
      const times = await runSaga(big, wire, false);
      const m3 = meter.stop();
      out(`    send→awaiting_posting ${((times.awaitingPostingAt - times.sentAt) / 1000).toFixed(2)} s`);
      const job = await big.client.simulator('GET', `/_sim/${SYSTEM}/jobs/${big.jobNumber}?companyId=${encodeURIComponent(big.client.companyId)}`);
      out(`    ERP has ${(job.body?.budget as unknown[] | undefined)?.length ?? '?'} budget lines (the lines are summed per cost code) and ${(job.body?.exports as unknown[] | undefined)?.length ?? '?'} export(s)`);
      phaseLine(m3);
    }
    const hwm = Object.fromEntries(Object.entries(pids()).map(([n, pid]) => [n, Math.round(procStatus(pid).hwmKb / 1024)]));
    out('');
    out(`Peak RSS over the whole run (VmHWM, MB): ${Object.entries(hwm).map(([n, v]) => `${n}=${v}`).join('  ')}`);
  } catch (error) {
    failed = true;
    out(`The benchmark stopped: ${(error as Error).stack ?? error}`);
  } finally {
    await wire.stop();
    await e2e.stop();
  }
  out(`Total ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  process.exit(failed ? 1 : 0);
}

/**
 * A budget of `lines` lines. Creation takes at most 5,000 lines and adding a line rewrites the
 * budget, so lines beyond 5,000 are inserted straight into the budget service's table (noted in the report).
 */
async function prepareBig(e2e: E2ePlatform, lines: number): Promise<Prepared[]> {
  const t = Date.now();
  const [p] = await prepareCompanies(e2e, 1, Math.min(lines, SMALL_LINES), `big${lines}`);
  if (lines > SMALL_LINES) {
    const unlocked = await p.client.budget('pm', 'POST', `/budgets/${p.budgetId}/unlock`, {});
    if (unlocked.status !== 200) throw new Error(`unlock: ${unlocked.status}`);
    // How fast the API adds lines one by one, for the record.
    const addStart = Date.now();
    const sample = 100;
    for (let i = 0; i < sample; i++) {
      const r = await p.client.budget('pm', 'POST', `/budgets/${p.budgetId}/lines`, { costCode: COST_CODES[i % 3].code, amount: '1.00' });
      if (r.status !== 201) throw new Error(`add line: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
    const perAdd = (Date.now() - addStart) / sample;
    out(`    POST /budgets/:id/lines on a ${SMALL_LINES}-line budget: ${perAdd.toFixed(0)} ms per line (whole budget rewritten) → the rest inserted in SQL`);
    const name = /\/([^/\s]+)$/.exec(e2e.platform.databases.budget)?.[1];
    const db = new Client({ connectionString: `${process.env.DATABASE_ADMIN_URL?.replace(/\/[^/]*$/, '') ?? 'postgres://postgres@127.0.0.1:5432'}/${name}` });
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
    const relocked = await p.client.budget('pm', 'POST', `/budgets/${p.budgetId}/lock`, {});
    if (relocked.status !== 200) throw new Error(`lock: ${relocked.status}`);
    const view = await p.client.budget('pm', 'GET', `/budgets/${p.budgetId}`);
    out(`    budget has ${(view.body?.lines as unknown[] | undefined)?.length} lines, total ${view.body?.total}`);
  }
  out(`    (prepared in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
  return [p];
}

const watchdog = setTimeout(() => {
  console.error('benchmark watchdog: giving up');
  process.exit(2);
}, BENCH_DEADLINE_MS + 120000);
watchdog.unref();

void main();
