import { ErpSystemSchema } from '@budget-erp/contracts';

export type ServiceName = 'budget' | 'approval' | 'erp-connector' | 'notification';

/** A deployable process of the platform and what the deployment must agree with. */
export interface AppSpec {
  /** Workspace folder whose src/main.ts starts it. */
  dir: string;
  port: number;
  /** Liveness and readiness routes. */
  live: string;
  ready: string;
  /** A platform service (own database, Kafka, config schema) or a tool. */
  service?: ServiceName;
  /** The web console: no database or Kafka, talks to the services over HTTP. */
  console?: true;
}

export const ERP_SYSTEMS: readonly string[] = ErpSystemSchema.options;

export const APPS: Record<string, AppSpec> = {
  budget: { dir: 'services/budget', port: 3001, live: '/health/live', ready: '/health/ready', service: 'budget' },
  approval: { dir: 'services/approval', port: 3002, live: '/health/live', ready: '/health/ready', service: 'approval' },
  'erp-connector': { dir: 'services/erp-connector', port: 3003, live: '/health/live', ready: '/health/ready', service: 'erp-connector' },
  notification: { dir: 'services/notification', port: 3004, live: '/health/live', ready: '/health/ready', service: 'notification' },
  'erp-simulator': { dir: 'tools/erp-simulator', port: 3010, live: '/_sim/health', ready: '/_sim/health' },
  'web-console': { dir: 'services/web-console', port: 3000, live: '/health/live', ready: '/health/ready', console: true },
};

export const SERVICE_NAMES: readonly ServiceName[] = ['budget', 'approval', 'erp-connector', 'notification'];

/** The database each service owns (one role of the same name). */
export const databaseOf = (service: ServiceName): string => service.replace(/-/g, '_');
