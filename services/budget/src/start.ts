import { loadConfig, RunningService, startService } from '@budget-erp/service-kit';
import { AppModule, SERVICE_NAME } from './app.module';
import { budgetServiceConfigSchema } from './config';

/** Starts the budget service from an environment (tests pass their own, `main.ts` passes process.env). */
export async function startBudgetService(env: Record<string, string | undefined> = process.env): Promise<RunningService> {
  const config = loadConfig(budgetServiceConfigSchema, env);
  return startService(AppModule.forRoot(config), {
    name: SERVICE_NAME,
    port: config.PORT,
    inbox: [{ groupId: SERVICE_NAME }],
    logLevel: config.LOG_LEVEL,
    description:
      'The Budget tool: budgets per project with cost-code lines and modifications, lock/unlock, ERP readiness, send/retrieve/re-import, and the export saga timeline.',
  });
}
