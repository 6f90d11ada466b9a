import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Logger } from '@nestjs/common';
import { Admin, ISocketFactory, Kafka, KafkaConfig, logLevel, LogEntry } from 'kafkajs';

/** kafkajs's socket, with Nagle's algorithm off: small requests go out at once (commit→published lag). */
const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setKeepAlive(true, 60_000);
  socket.setNoDelay(true);
  return socket;
};

export const kafkaSaslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof kafkaSaslMechanisms)[number];

/** How the platform's Kafka clients authenticate; empty means plaintext without SASL (the dev broker). */
export interface KafkaSecurity {
  /** TLS to the brokers (server certificates checked against Node's CAs, NODE_EXTRA_CA_CERTS, or `caFile`). */
  ssl?: boolean;
  /** PEM bundle of the CAs that sign the brokers' certificates; implies TLS. */
  caFile?: string;
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

/** The `ssl` and `sasl` parts of a kafkajs config. */
export function kafkaSecurityConfig(security: KafkaSecurity = {}): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const config: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security.caFile) config.ssl = { ca: [readFileSync(security.caFile, 'utf8')] };
  else if (security.ssl) config.ssl = true;
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    config.sasl = { mechanism, username, password } as KafkaConfig['sasl'];
  }
  return config;
}

const levels: Record<number, 'error' | 'warn' | 'log' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'log',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through the Nest logger (and so the service's JSON logs). */
export function createKafka(brokers: string[], clientId: string, level: logLevel = logLevel.ERROR, security: KafkaSecurity = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    socketFactory,
    ...kafkaSecurityConfig(security),
    logLevel: level,
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2_000 },
    logCreator: () => {
      const logger = new Logger('kafkajs');
      return ({ level: entryLevel, log }: LogEntry) => {
        const { message, ...extra } = log;
        const method = levels[entryLevel] ?? 'log';
        logger[method](`${message} ${JSON.stringify(extra)}`);
      };
    },
  });
}

/**
 * Creates the topics that do not exist yet, with the broker's default partition count and configs.
 * Consumers must not subscribe to a missing topic, and producers should not rely on auto-creation.
 */
export async function ensureTopics(admin: Admin, topics: string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing.map((topic) => ({ topic })), waitForLeaders: true });
  } catch (error) {
    // Another instance may have created some of them in the meantime.
    const nowExisting = new Set(await admin.listTopics());
    if (missing.some((topic) => !nowExisting.has(topic))) throw error;
  }
}
