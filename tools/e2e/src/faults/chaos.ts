/**
 * `npm run chaos`: the fault matrix on a longer run. Starts the platform (on free ports, throw-away
 * databases, PostgreSQL behind a proxy the run cuts), drives CHAOS_BUDGETS budgets (default 200)
 * through the workflow per fault and prints the ledger table: per fault, budgets synced, failed with
 * their reason, exports applied in the ERP, emails, events applied, 5xx answers by status, and what
 * was lost, duplicated or unexpected. CHAOS_FAULTS picks faults by a part of their name
 * (comma-separated); CHAOS_CONCURRENCY sets the budgets in flight (default 8).
 */
import { cpus } from 'node:os';
import { formatLedgerTable, Ledger } from './ledger';
import { faultMatrix, runFault, startFaultPlatform } from './matrix';

async function main(): Promise<void> {
  const budgets = Number(process.env.CHAOS_BUDGETS ?? 200);
  const concurrency = Number(process.env.CHAOS_CONCURRENCY ?? 8);
  const only = (process.env.CHAOS_FAULTS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const specs = faultMatrix().filter((spec) => only.length === 0 || only.some((o) => spec.name.toLowerCase().includes(o)));
  console.log(`Fault matrix: ${specs.length} faults × ${budgets} budgets, ${concurrency} in flight; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
  const platform = await startFaultPlatform();
  const ledgers: Ledger[] = [];
  try {
    for (const spec of specs) {
      const started = Date.now();
      const ledger = await runFault(platform, spec, { budgets, concurrency });
      ledgers.push(ledger);
      console.log(`${spec.name}: ${ledger.synced}/${budgets} synced, lost ${ledger.lost}, duplicated ${ledger.duplicated}, unexpected ${ledger.unexpected} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      for (const finding of ledger.findings.slice(0, 20)) console.log(`  - ${finding}`);
      if (ledger.findings.length > 20) console.log(`  … and ${ledger.findings.length - 20} more`);
    }
  } finally {
    await platform.stop();
  }
  console.log(`\n${formatLedgerTable(ledgers)}`);
  const bad = ledgers.reduce((n, l) => n + l.lost + l.duplicated + l.unexpected, 0);
  process.exit(bad === 0 ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(2);
});
