import { Counter, Gauge, type Registry } from 'prom-client';

/** Counts exports waiting for their ERP, per ERP (read from the shared database when scraped). */
export type PendingExportCounts = () => Promise<ReadonlyMap<string, number>>;

/** What operators watch per ERP: attempt outcomes, the backlog, exports awaiting posting, open breakers. */
export class ExportMetrics {
  readonly attempts: Counter<'system' | 'outcome'>;
  readonly breakerOpen: Gauge<'system'>;
  readonly postingBreakerOpen: Gauge<'system'>;
  readonly posted: Counter<'system'>;
  readonly pending: Gauge<'erp_system'>;

  /**
   * `systems` are the ERPs the gauge always reports (0 when nothing waits). Every process reads the
   * same table, so replicas report the same figures: scale on their `max`, not their `sum`.
   */
  constructor(registry: Registry, systems: readonly string[], pendingCounts: PendingExportCounts) {
    this.attempts = new Counter({
      name: 'erp_export_attempts_total',
      help: 'Export attempts by ERP and outcome (landed, found_in_erp, transient_failure, permanent_failure, cancelled)',
      labelNames: ['system', 'outcome'],
      registers: [registry],
    });
    this.breakerOpen = new Gauge({ name: 'erp_circuit_open', help: '1 while the ERP circuit breaker is open or half open', labelNames: ['system'], registers: [registry] });
    this.postingBreakerOpen = new Gauge({
      name: 'erp_posting_check_circuit_open',
      help: "1 while the ERP's posting-check circuit breaker is open or half open (apart from the export attempts' erp_circuit_open)",
      labelNames: ['system'],
      registers: [registry],
    });
    this.posted = new Counter({ name: 'erp_exports_posted_total', help: 'Exports whose posting was detected, by ERP', labelNames: ['system'], registers: [registry] });
    this.pending = new Gauge({
      name: 'erp_connector_pending_exports',
      help: "Accepted exports not yet landed, failed or cancelled, by ERP: that ERP's backlog, which its workers scale on",
      labelNames: ['erp_system'],
      registers: [registry],
      async collect() {
        // A database that cannot answer leaves the last figures in place rather than failing the scrape.
        const counts = await pendingCounts().catch(() => null);
        if (!counts) return;
        for (const system of new Set([...systems, ...counts.keys()])) this.set({ erp_system: system }, counts.get(system) ?? 0);
      },
    });
  }
}
