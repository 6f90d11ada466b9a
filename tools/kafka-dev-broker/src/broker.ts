import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { GroupCoordinator } from './groups/group-coordinator';
import { OffsetStore } from './groups/offset-store';
import { OffsetsTopicWriter } from './groups/offsets-topic';
import { BrokerConfigs } from './log/configs';
import { LogCleaner } from './log/log-cleaner';
import { applyTopicPlan, readTopicPlan } from './log/topic-plan';
import { LogSettings } from './log/partition-log';
import { Topic, TopicStore } from './log/topic-store';
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
  /**
   * Static broker settings, as in Kafka's server.properties: `log.retention.ms`, `log.retention.bytes`,
   * `log.segment.bytes`, `log.cleanup.policy`, ... (topics without their own value inherit them).
   */
  brokerConfigs?: Record<string, string>;
  /** A topic plan file (deploy/kafka/topics.yaml) applied at start, so topics match the deployment's. */
  topicPlan?: string;
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
  const partitions = options.partitions ?? 3;
  const minSessionTimeoutMs = options.minSessionTimeoutMs ?? 6000;
  const maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? 1800000;
  const maxRequestBytes = options.maxRequestBytes ?? 104857600;
  const autoCreateTopics = options.autoCreateTopics ?? true;
  const statics = new Map<string, string>(
    Object.entries({
      'broker.id': '0',
      'node.id': '0',
      'num.partitions': String(partitions),
      'default.replication.factor': '1',
      'auto.create.topics.enable': String(autoCreateTopics),
      'offsets.topic.num.partitions': '50',
      'offsets.topic.replication.factor': '1',
      'offsets.retention.minutes': '10080',
      'group.min.session.timeout.ms': String(minSessionTimeoutMs),
      'group.max.session.timeout.ms': String(maxSessionTimeoutMs),
      'group.initial.rebalance.delay.ms': '0',
      'socket.request.max.bytes': String(maxRequestBytes),
      'log.retention.hours': '168',
      'log.retention.check.interval.ms': '300000',
      'log.cleaner.enable': 'true',
      'log.dirs': dataDir ?? '',
      'transaction.state.log.replication.factor': '1',
      'delete.topic.enable': 'true',
      ...(options.maxMessageBytes !== undefined ? { 'message.max.bytes': String(options.maxMessageBytes) } : {}),
      ...(options.brokerConfigs ?? {}),
    }),
  );
  const configs = new BrokerConfigs(statics, dataDir === null ? null : path.join(dataDir, 'broker-configs.json'), fs);
  const settingsCache = new WeakMap<Topic, { key: string; settings: LogSettings }>();
  const store = new TopicStore(dataDir, partitions, (topic) => {
    // resolved once per change of the topic's or the broker's configs
    const key = `${configs.version}:${JSON.stringify([...topic.configs])}`;
    const hit = settingsCache.get(topic);
    if (hit && hit.key === key) return hit.settings;
    const settings: LogSettings = {
      segmentBytes: configs.topicNumber(topic.configs, 'segment.bytes'),
      segmentMs: configs.topicNumber(topic.configs, 'segment.ms'),
      indexIntervalBytes: configs.topicNumber(topic.configs, 'index.interval.bytes'),
    };
    settingsCache.set(topic, { key, settings });
    return settings;
  });
  if (options.topicPlan) applyTopicPlan(store, readTopicPlan(options.topicPlan));
  const cleaner = new LogCleaner(store, configs, log, Number(configs.get('log.retention.check.interval.ms')?.value ?? 300000));
  const offsetStore = new OffsetStore(dataDir);
  const coordinator = new GroupCoordinator(
    offsetStore,
    { minSessionTimeoutMs, maxSessionTimeoutMs },
    log,
  );
  const offsetsTopic = new OffsetsTopicWriter(store, Number(configs.get('offsets.topic.num.partitions')?.value ?? 50), log);
  offsetStore.onChange((e) => offsetsTopic.onOffsets(e));
  coordinator.onGroupChange = (groupId, snapshot, deleted) => offsetsTopic.onGroup(groupId, snapshot, deleted);
  const server = net.createServer();
  let port = options.port ?? 0;
  const router = new RequestRouter(
    store,
    coordinator,
    configs,
    () => ({ nodeId: 0, host: advertisedHost, port: options.advertisedPort ?? port }),
    { autoCreateTopics, dataDir, ensureOffsetsTopic: () => void offsetsTopic.topic() },
    log,
  );
  const connections = new Set<Connection>();
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
        cleaner.close();
        coordinator.close();
        store.close();
        offsetStore.close();
      });
      return stopped;
    },
  };
}
