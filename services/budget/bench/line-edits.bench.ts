/**
 * Line edits on a 10-line budget and on bigger ones (default 50,000 lines; `--lines=5000,50000` for several), against PostgreSQL: add, change and remove a
 * line and read a page of lines through the service's handlers (each its own transaction, as over
 * HTTP minus the HTTP layer), p50/p90 in ms, with the machine. For reference, the same add through
 * the whole-budget path (load every line, decide, save) that every edit took before.
 *
 *   node -r @swc-node/register services/budget/bench/line-edits.bench.ts [--iterations=40] [--lines=5000,50000]
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { createDataSource } from '@budget-erp/service-kit';
import { createTestDatabase } from '@budget-erp/testing';
import type { EntityManager } from 'typeorm';
import { decide, fold, type Budget, type UserRef } from '../src/budgets/domain/budget';
import { saveBudget, loadBudget } from '../src/budgets/infrastructure/budget.repository';
import { BudgetLineOrmEntity, BudgetModificationOrmEntity, BudgetOrmEntity } from '../src/budgets/infrastructure/budget.orm-entity';
import { ExportSagaOrmEntity } from '../src/export-saga/infrastructure/export-saga.orm-entity';
import { budgetMigrations } from '../src/persistence';
import { EditLinesHandler } from '../src/budgets/application/edit-lines/edit-lines.handler';
import { BudgetQueries } from '../src/budgets/application/budget-queries/budget-queries';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const ITERATIONS = Number(flag('iterations') ?? 40);
const BIG_SIZES = (flag('lines') ?? '50000').split(',').map(Number);
const SIZES = [10, ...BIG_SIZES];
const pm: UserRef = { userId: 'u-pm', name: 'Pat', email: 'pat@example.com' };
const at = new Date().toISOString();

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];

async function main(): Promise<void> {
  const db = await createTestDatabase('budget_line_edits_bench');
  const dataSource = await createDataSource({
    url: db.url,
    entities: [BudgetOrmEntity, BudgetLineOrmEntity, BudgetModificationOrmEntity, ExportSagaOrmEntity],
    migrations: budgetMigrations,
    poolSize: 2,
  });
  const tx = { run: <T>(work: (m: EntityManager) => Promise<T>) => dataSource.transaction(work) };
  const clock = { now: () => new Date() };
  const edits = new EditLinesHandler(tx, clock, { linesPerBudget: 1_000_000, modificationsPerBudget: 1_000, budgetsPerProject: 1_000 });
  const queries = new BudgetQueries(tx);
  try {
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`Machine: ${cpus().length} cores, ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const results: Record<string, Record<number, number[]>> = {};
    const record = (what: string, size: number, ms: number) => ((results[what] ??= {})[size] ??= []).push(ms);
    const timed = async (what: string, size: number, work: () => Promise<unknown>) => {
      const t = process.hrtime.bigint();
      await work();
      record(what, size, Number(process.hrtime.bigint() - t) / 1e6);
    };
    const budgets: Record<number, string> = {};
    for (const size of SIZES) {
      const budgetId = `bench-${size}-${randomUUID()}`;
      const created = decide({ status: 'absent' }, {
        type: 'CreateBudget', budgetId, companyId: 'c1', projectId: 'p1', name: `Bench ${size}`, createdBy: pm, at,
        lines: Array.from({ length: size }, (_, i) => ({ id: `${budgetId}-l${i}`, costCode: '01-100', costType: null, subJob: null, description: `Line ${i}`, amount: '12.34' })),
      });
      if (!created.ok) throw new Error(created.error.code);
      await dataSource.transaction((m) => saveBudget(m, fold(created.events) as Budget, null));
      budgets[size] = budgetId;
    }
    await dataSource.query('VACUUM ANALYZE budget_lines');
    // Warm up both paths, then alternate the sizes so load changes on the machine hit both alike.
    for (let i = 0; i < ITERATIONS + 3; i++) {
      for (const size of SIZES) {
        const budgetId = budgets[size];
        const t0 = process.hrtime.bigint();
        const added = await edits.add('c1', budgetId, { costCode: '01-100', amount: '1.00' });
        const addMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const lineId = added.lines[Math.min(added.lines.length - 1, 5)].id;
        const warm = i < 3;
        if (!warm) record('add a line', size, addMs);
        const step = async (what: string, work: () => Promise<unknown>) => (warm ? work() : timed(what, size, work));
        await step('change a line', () => edits.update('c1', budgetId, lineId, { amount: `${i}.25` }));
        await step('read the budget (first page)', () => queries.get('c1', budgetId));
        await step('read a page of 100 lines', () => queries.lines('c1', budgetId, { after: null, limit: 100 }));
        const newest = (await dataSource.query(`SELECT id FROM budget_lines WHERE budget_id = $1 ORDER BY position DESC LIMIT 1`, [budgetId])) as { id: string }[];
        await step('remove a line', () => edits.remove('c1', budgetId, newest[0].id));
        if (i % 4 === 0) {
          await step('add a line, whole-budget path (before)', () =>
            dataSource.transaction(async (m) => {
              const loaded = (await loadBudget(m, 'c1', budgetId))!;
              const decision = decide(loaded.budget, { type: 'AddLine', line: { id: randomUUID(), costCode: '01-100', costType: null, subJob: null, description: null, amount: '1.00' }, at });
              if (!decision.ok) throw new Error(decision.error.code);
              await saveBudget(m, fold(decision.events, loaded.budget) as Budget, loaded);
            }),
          );
        }
      }
    }
    out(`Line edits, ${ITERATIONS} of each, ms (p50 / p90) by budget size in lines, and the ratio of p50s to the 10-line budget's:`);
    out(`  ${''.padEnd(40)} ${SIZES.map((size) => size.toLocaleString('en').padStart(22)).join('')}`);
    for (const [what, bySize] of Object.entries(results)) {
      const p50s = percentile(bySize[10] ?? [], 50);
      const cells = SIZES.map((size) => {
        const values = bySize[size] ?? [];
        const p50 = percentile(values, 50);
        return `${p50.toFixed(1)} / ${percentile(values, 90).toFixed(1)}${size === 10 ? '' : ` ×${(p50 / p50s).toFixed(2)}`}`.padStart(22);
      });
      out(`  ${what.padEnd(40)} ${cells.join('')}`);
    }
    out(`Load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await dataSource.destroy();
    await db.drop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
