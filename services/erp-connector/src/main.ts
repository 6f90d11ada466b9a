import 'reflect-metadata';
import { loadConfigOrExit, startService, type RunningService } from '@budget-erp/service-kit';
import { AppModule, SERVICE_NAME } from './app.module';
import { erpConnectorConfigSchema, type ErpConnectorConfig } from './config';

/** Starts the ERP connector: HTTP API, its consumer group, and the export workers of the ERPs in `ERP_SYSTEMS`. */
export async function startErpConnector(config: ErpConnectorConfig, options: { host?: string } = {}): Promise<RunningService> {
  return startService(AppModule.forRoot(config), {
    name: SERVICE_NAME,
    port: config.PORT,
    ...(options.host ? { host: options.host } : {}),
    logLevel: config.LOG_LEVEL,
    description: 'ERP connection, project ↔ ERP job links, per-ERP export workers, posting detection and imports.',
    // One group for the whole service: every process records what it hears in the shared database,
    // and each ERP's workers lease only that ERP's exports from there.
    inbox: [{ groupId: SERVICE_NAME }],
  });
}

if (require.main === module) {
  void startErpConnector(loadConfigOrExit(erpConnectorConfigSchema));
}
