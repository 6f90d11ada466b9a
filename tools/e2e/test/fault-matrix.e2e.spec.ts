import { faultMatrix, FaultPlatform, formatLedgerTable, Ledger, runFault, startFaultPlatform } from '../src';

/**
 * The fault matrix: a steady load of budgets through the whole workflow while, one at a time, a
 * fault goes in; then the ledger counts, per budget, exports applied in the ERP, emails sent, events
 * applied per consumer and the 5xx answers. Nothing may be lost, duplicated or unexpected. `npm run
 * chaos` runs the same matrix with more budgets and prints the table.
 */
const BUDGETS = Number(process.env.FAULT_MATRIX_BUDGETS ?? 20);
const CONCURRENCY = 5;

let platform: FaultPlatform | undefined;
const ledgers: Ledger[] = [];

beforeAll(async () => {
  platform = await startFaultPlatform();
}, 180000);

afterAll(async () => {
  if (ledgers.length) console.log(`Fault matrix ledger (${BUDGETS} budgets per fault)\n${formatLedgerTable(ledgers)}`);
  await platform?.stop();
}, 60000);

describe('the fault matrix under a steady load of budgets', () => {
  it.each(faultMatrix().map((spec) => [spec.name, spec] as const))(
    'with %s, nothing is lost, duplicated or unexpected',
    async (_name, spec) => {
      const ledger = await runFault(platform!, spec, { budgets: BUDGETS, concurrency: CONCURRENCY });
      ledgers.push(ledger);
      expect(ledger.findings).toEqual([]);
      expect(ledger.serverErrors['500'] ?? 0).toBe(0);
      expect(ledger.lost + ledger.duplicated + ledger.unexpected).toBe(0);
    },
    300000,
  );
});
