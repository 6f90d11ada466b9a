import { type RunningService, startService } from '@budget-erp/service-kit';
import { type ApprovalModuleOverrides, AppModule, SERVICE_NAME } from './app.module';
import type { ApprovalConfig } from './config';

/** Starts the approval service: the ERP Integrations HTTP API and its inbox consumer (group `approval`). */
export function startApprovalService(
  config: ApprovalConfig,
  overrides: ApprovalModuleOverrides & { host?: string } = {},
): Promise<RunningService> {
  return startService(AppModule.forRoot(config, overrides), {
    name: SERVICE_NAME,
    port: config.PORT,
    ...(overrides.host ? { host: overrides.host } : {}),
    logLevel: config.LOG_LEVEL,
    inbox: [{ groupId: SERVICE_NAME }],
    description:
      'ERP Integrations: the lists of budgets to export, failed, synced and ready to import; the review of one budget; ' +
      'accept and reject. Lists are newest first, paged with `limit` (1–100, default 50) and `cursor` (the previous page\'s `nextCursor`).',
  });
}
