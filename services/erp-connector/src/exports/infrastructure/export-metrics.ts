import { Counter, Gauge, type Registry } from 'prom-client';

/** What operators watch per ERP: attempt outcomes, exports awaiting posting, open breakers. */
export class ExportMetrics {
  readonly attempts: Counter<'system' | 'outcome'>;
  readonly breakerOpen: Gauge<'system'>;
  readonly posted: Counter<'system'>;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: 'erp_export_attempts_total',
      help: 'Export attempts by ERP and outcome (landed, found_in_erp, transient_failure, permanent_failure)',
      labelNames: ['system', 'outcome'],
      registers: [registry],
    });
    this.breakerOpen = new Gauge({ name: 'erp_circuit_open', help: '1 while the ERP circuit breaker is open or half open', labelNames: ['system'], registers: [registry] });
    this.posted = new Counter({ name: 'erp_exports_posted_total', help: 'Exports whose posting was detected, by ERP', labelNames: ['system'], registers: [registry] });
  }
}
