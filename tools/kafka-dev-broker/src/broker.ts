import * as fs from 'node:fs';
import * as net from 'node:net';
import { GroupCoordinator } from './groups/group-coordinator';
import { OffsetStore } from './groups/offset-store';
import { TopicStore } from './log/topic-store';
import { Connection } from './server/connection';
import { createLogger, Logger, LogLevel } from './server/logger';
import { RequestRouter } from './server/request-router';

export interface BrokerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Host and port given to clients in metadata, when they differ from the bound ones (proxies, containers). */
  advertisedHost?: string;
  advertisedPort?: number;
  /** With a directory, topics, logs, committed offsets and producer state survive restarts. */
  dataDir?: string;
  /** Partitions of auto-created topics and of CreateTopics asking for the default; default 3. */
  partitions?: number;
  autoCreateTopics?: boolean;
  logLevel?: LogLevel;
  logger?: Logger;
  /** Largest record batch accepted; Kafka's default message.max.bytes. */
  maxMessageBytes?: number;
  /** Largest request frame; Kafka's default socket.request.max.bytes. */
  maxRequestBytes?: number;
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
}

export interface RunningBroker {
  host: string;
  port: number;
  /** `host:port` as advertised, ready for KAFKA_BROKERS. */
  brokers: string;
  stop(): Promise<void>;
}

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  // A wildcard bind is reachable on loopback; clients cannot connect to "0.0.0.0" everywhere.
  const advertisedHost = options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const log = options.logger ?? createLogger(options.logLevel ?? 'warn');
  const dataDir = options.dataDir ?? null;
  if (dataDir !== null) fs.mkdirSync(dataDir, { recursive: true });
  const store = new TopicStore(dataDir, options.partitions ?? 3);
  const offsetStore = new OffsetStore(dataDir);
  const coordinator = new GroupCoordinator(
    offsetStore,
    { minSessionTimeoutMs: options.minSessionTimeoutMs ?? 6000, maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 1800000 },
    log,
  );
  const server = net.createServer();
  let port = options.port ?? 0;
  const router = new RequestRouter(
    store,
    coordinator,
    () => ({ nodeId: 0, host: advertisedHost, port: options.advertisedPort ?? port }),
    { autoCreateTopics: options.autoCreateTopics ?? true, maxMessageBytes: options.maxMessageBytes ?? 1048588, dataDir },
    log,
  );
  const connections = new Set<Connection>();
  const maxRequestBytes = options.maxRequestBytes ?? 104857600;
  server.on('connection', (socket) => {
    connections.add(new Connection(socket, router, maxRequestBytes, log, (c) => connections.delete(c)));
  });
  server.on('error', (e) => log.error(`server error: ${e.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as net.AddressInfo).port;
  log.debug(`listening on ${host}:${port}${dataDir ? ` with data in ${dataDir}` : ''}`);
  let stopped: Promise<void> | null = null;
  return {
    host,
    port,
    brokers: `${advertisedHost}:${options.advertisedPort ?? port}`,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of connections) c.destroy();
        router.close();
        coordinator.close();
        store.close();
        offsetStore.close();
      });
      return stopped;
    },
  };
}
