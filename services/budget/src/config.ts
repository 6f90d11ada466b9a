import { z } from 'zod';
import { port, serviceConfigSchema } from '@budget-erp/service-kit';

export const budgetServiceConfigSchema = serviceConfigSchema({
  PORT: port(3001),
  EXPORT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60_000)
    .describe('milliseconds an accepted export may hear nothing from the ERP before it is marked failed (timeout)'),
  EXPORT_TIMEOUT_SWEEP_MS: z.coerce.number().int().positive().default(10_000).describe('milliseconds between looks for overdue exports'),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().optional().describe('milliseconds between outbox relay polls'),
});
export type BudgetServiceConfig = z.output<typeof budgetServiceConfigSchema>;

/** The saga's own settings, injected into the use cases. */
export interface BudgetConfig {
  exportTimeoutMs: number;
  exportTimeoutSweepMs: number;
}

export const BUDGET_CONFIG = Symbol('BudgetConfig');

export const budgetConfigOf = (config: BudgetServiceConfig): BudgetConfig => ({
  exportTimeoutMs: config.EXPORT_TIMEOUT_MS,
  exportTimeoutSweepMs: config.EXPORT_TIMEOUT_SWEEP_MS,
});
