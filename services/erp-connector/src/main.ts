import 'reflect-metadata';
import { snapshotErpSystemIn, Topics } from '@budget-erp/contracts';
import { loadConfigOrExit, startService, type RunningService } from '@budget-erp/service-kit';
import { AppModule, SERVICE_NAME } from './app.module';
import { erpConnectorConfigSchema, type ErpConnectorConfig } from './config';

/** Starts the ERP connector: HTTP API, the main consumer group, and one consumer group per ERP worker. */
export async function startErpConnector(config: ErpConnectorConfig, options: { host?: string } = {}): Promise<RunningService> {
  return startService(AppModule.forRoot(config), {
    name: SERVICE_NAME,
    port: config.PORT,
    ...(options.host ? { host: options.host } : {}),
    logLevel: config.LOG_LEVEL,
    description: 'ERP connection, project ↔ ERP job links, per-ERP export workers, posting detection and imports.',
    inbox: [
      { groupId: SERVICE_NAME, topics: [Topics.BudgetImportRequested] },
      ...config.ERP_SYSTEMS.map((system) => ({
        groupId: `${SERVICE_NAME}.${system}`,
        label: system,
        topics: [Topics.BudgetAccepted],
        // Another ERP's export is skipped before validation and without a transaction, from its
        // raw bytes when they tell (no parse of a large snapshot), else from the parsed payload; a
        // payload without a readable ERP system goes on to validation (and the dead-letter topic).
        acceptsRaw: (_topic: string, value: Buffer) => {
          const named = snapshotErpSystemIn(value);
          return named === undefined ? undefined : named === system;
        },
        accepts: (_topic: string, payload: unknown) => {
          const erpSystem = (payload as { snapshot?: { erpSystem?: unknown } } | null)?.snapshot?.erpSystem;
          return typeof erpSystem !== 'string' || erpSystem === system;
        },
      })),
    ],
  });
}

if (require.main === module) {
  void startErpConnector(loadConfigOrExit(erpConnectorConfigSchema));
}
