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
  MAX_LINES_PER_BUDGET: z.coerce.number().int().positive().default(100_000).describe('the most lines a budget may hold (default 100000); more answers 409 naming the limit'),
  MAX_MODIFICATIONS_PER_BUDGET: z.coerce.number().int().positive().default(1_000).describe('the most modifications a budget may hold (default 1000); more answers 409 naming the limit'),
  EXPORT_SNAPSHOT_RETAIN_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(90 * 24 * 3_600_000)
    .describe("milliseconds a send's lines as sent are kept once its export is over (synced, rejected, retrieved or superseded; default 90 days); an export that still holds its budget keeps them however old"),
  RETENTION_PURGE_INTERVAL_MS: z.coerce.number().int().positive().default(3_600_000).describe('milliseconds between retention purges of export snapshot lines'),
  MAX_BUDGETS_PER_PROJECT: z.coerce.number().int().positive().default(1_000).describe('the most budgets a project may hold (default 1000); more answers 409 naming the limit'),
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

/** How much a budget and a project may hold; beyond, a command is refused with a 409 naming the limit. */
export interface BudgetLimits {
  linesPerBudget: number;
  modificationsPerBudget: number;
  budgetsPerProject: number;
}

export const BUDGET_LIMITS = Symbol('BudgetLimits');

export const budgetLimitsOf = (config: BudgetServiceConfig): BudgetLimits => ({
  linesPerBudget: config.MAX_LINES_PER_BUDGET,
  modificationsPerBudget: config.MAX_MODIFICATIONS_PER_BUDGET,
  budgetsPerProject: config.MAX_BUDGETS_PER_PROJECT,
});
