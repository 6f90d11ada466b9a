// npm run bench:approval — what a send costs the approval service as its lines arrive: recording
// every budget.sent.lines chunk, the completion check (count and digest) when the last piece comes,
// and paging the review, for 5,000 and 500,000 lines, with the process's peak RSS for each. The
// chunks are made one at a time, as the inbox would hand them over, so the figures are approval's.
import 'reflect-metadata';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { LinesDigest, SEND_LINES_PER_CHUNK, type PayloadOf, type SnapshotLine } from '@budget-erp/contracts';
import { messagingEntities, messagingMigrations } from '@budget-erp/messaging';
import { createTestDatabase } from '@budget-erp/testing';
import { recordSendLines, recordUpstreamEvent } from '../src/review/application/record-upstream-event/record-upstream-event.handler';
import { ReviewQueries } from '../src/review/application/review-queries/review-queries';
import { approvalEntities, approvalMigrations } from '../src/review/infrastructure/approval-persistence';
import { checkStoredLines } from '../src/review/infrastructure/send-lines.repository';

const SIZES = (process.env.BENCH_LINES ?? '5000,500000').split(',').map(Number);
/** Chunks applied per transaction, as the inbox applies a backlog (its default). */
const PER_TRANSACTION = 100;

const line = (i: number): SnapshotLine => ({
  lineId: `line-${i}`,
  costCode: `${String(1 + (i % 40)).padStart(2, '0')}-${100 + (i % 900)}`,
  costType: i % 3 === 0 ? null : 'labor',
  subJob: null,
  description: `Line ${i}: concrete, formwork and rebar for level ${i % 60}`,
  amount: `${(i % 9000) + 1}.${String(i % 100).padStart(2, '0')}`,
  syncedAmount: null,
});

function chunkOf(ids: { budgetId: string; projectId: string; companyId: string; exportId: string }, lineCount: number, chunk: number, chunkCount: number) {
  const from = chunk * SEND_LINES_PER_CHUNK;
  const lines = Array.from({ length: Math.min(SEND_LINES_PER_CHUNK, lineCount - from) }, (_, i) => line(from + i));
  return { ...ids, chunk, chunkCount, lines } satisfies PayloadOf<'budget.sent.lines'>;
}

/** Peak RSS while `work` runs, sampled every 10 ms. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

async function benchSend(ds: DataSource, lineCount: number): Promise<string> {
  const ids = { budgetId: `bench-${lineCount}-${Date.now()}`, projectId: 'p-bench', companyId: 'c-bench', exportId: `x-${lineCount}` };
  const chunkCount = Math.max(1, Math.ceil(lineCount / SEND_LINES_PER_CHUNK));
  const digest = new LinesDigest();
  for (let chunk = 0; chunk < chunkCount; chunk++) digest.update(chunkOf(ids, lineCount, chunk, chunkCount).lines);
  const summary: PayloadOf<'budget.sent'> = {
    budgetId: ids.budgetId,
    projectId: ids.projectId,
    companyId: ids.companyId,
    exportId: ids.exportId,
    sentBy: { userId: 'u-pm', name: 'Pat Manager', email: '' },
    createdBy: { userId: 'u-pm', name: 'Pat Manager', email: '' },
    sentAt: new Date().toISOString(),
    name: 'Bench budget',
    origin: 'platform',
    kind: 'original',
    erpSystem: 'cmic',
    jobNumber: 'J-BENCH',
    total: '0.00',
    syncedTotal: '0.00',
    modificationIds: [],
    lineCount,
    chunkCount,
    linesDigest: digest.digest(),
  };
  global.gc?.();
  const { result, peakMb } = await withPeakRss(async () => {
    const started = performance.now();
    // The summary first, as the budget service writes it: every chunk then checks whether it completes the send.
    await ds.transaction((m) => recordUpstreamEvent(m, { topic: 'budget.sent', payload: summary }));
    for (let first = 0; first < chunkCount; first += PER_TRANSACTION) {
      await ds.transaction(async (m) => {
        for (let chunk = first; chunk < Math.min(chunkCount, first + PER_TRANSACTION); chunk++) {
          await recordSendLines(m, chunkOf(ids, lineCount, chunk, chunkCount));
        }
      });
    }
    const recorded = performance.now();
    const recordRssMb = process.memoryUsage().rss / 1024 / 1024;
    const [{ ready }] = await ds.query(`SELECT (exports -> $2 ->> 'linesReceived')::boolean AS ready FROM budget_reviews WHERE budget_id = $1`, [ids.budgetId, ids.exportId]);
    if (ready !== true) throw new Error('the send did not become ready');
    const queries = new ReviewQueries({ run: (work) => ds.transaction(work) });
    const pageStarted = performance.now();
    let page = await queries.lines({ companyId: ids.companyId, budgetId: ids.budgetId, limit: 1000, cursor: undefined });
    const firstPageMs = performance.now() - pageStarted;
    let pages = 1;
    const allStarted = performance.now();
    while (page.nextCursor) {
      page = await queries.lines({ companyId: ids.companyId, budgetId: ids.budgetId, limit: 1000, cursor: page.nextCursor });
      pages++;
    }
    return { recordMs: recorded - started, recordRssMb, firstPageMs, allPagesMs: performance.now() - allStarted, pages };
  });
  // The completion check alone: the same count and digest the last chunk ran, timed apart.
  const checkStarted = performance.now();
  const check = await ds.transaction((m) => checkStoredLines(m, { budgetId: ids.budgetId, companyId: ids.companyId, exportId: ids.exportId, summary }));
  const checkMs = performance.now() - checkStarted;
  if (check.state !== 'complete') throw new Error(`completion check says ${check.state}`);
  const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return (
    `${lineCount.toLocaleString('en-US').padStart(9)} lines, ${String(chunkCount).padStart(3)} chunks: ` +
    `recorded (summary + chunks, ready) ${f(result.recordMs)} (RSS then ${result.recordRssMb.toFixed(0)} MB); completion check ${f(checkMs)}; ` +
    `first page ${f(result.firstPageMs)}, all ${result.pages} pages ${f(result.allPagesMs)}; peak RSS ${peakMb.toFixed(0)} MB`
  );
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_approval_lines');
  const ds = new DataSource({ type: 'postgres', url: db.url, entities: [...messagingEntities, ...approvalEntities], migrations: [...messagingMigrations, ...approvalMigrations] });
  try {
    await ds.initialize();
    await ds.runMigrations();
    const cpus = os.cpus();
    console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}`);
    const [{ version }] = await ds.query("SELECT current_setting('server_version') AS version");
    console.log(`PostgreSQL ${version}; ${PER_TRANSACTION} chunks per transaction, as the inbox applies a backlog`);
    for (const size of SIZES) console.log(await benchSend(ds, size));
  } finally {
    await ds.destroy();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
