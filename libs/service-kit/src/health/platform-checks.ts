import { Kafka, logLevel } from 'kafkajs';
import { kafkaSecurityConfig, KafkaSecurity } from '@budget-erp/messaging';
import type { DataSource } from 'typeorm';
import { cachedCheck, HealthCheck } from './health.service';

export function databaseCheck(dataSource: DataSource): HealthCheck {
  return async () => {
    if (!dataSource.isInitialized) throw new Error('database connection is not initialized');
    await dataSource.query('SELECT 1');
  };
}

/** Connects a kafkajs admin with a short timeout; the outcome is cached so probes do not hammer the broker. */
export function brokerCheck(
  brokers: string[],
  clientId: string,
  { timeoutMs = 1500, cacheMs = 5000, security = {} }: { timeoutMs?: number; cacheMs?: number; security?: KafkaSecurity } = {},
): HealthCheck {
  const kafka = new Kafka({
    clientId: `${clientId}-health`,
    brokers,
    ...kafkaSecurityConfig(security),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  return cachedCheck(async () => {
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.describeCluster();
    } catch (error) {
      throw new Error(`broker ${brokers.join(',')} unreachable: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }, cacheMs);
}
