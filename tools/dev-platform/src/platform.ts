import { randomBytes } from 'node:crypto';
import { DEV_JWT_SECRET } from '@budget-erp/auth';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { compileRuntime } from './compile';
import { buildWebConsole } from './web-console-build';
import {
  DatabaseProvider,
  freePort,
  pgliteProvider,
  postgresProvider,
  postgresReachable,
} from './databases';
import { PlatformEndpoints, RunningService, SERVICES, spawnService, stopService, waitUntilReady, WEB_CONSOLE, WORKSPACE_ROOT } from './services';

export interface PlatformOptions {
  /** Use these brokers instead of starting the dev broker (default: `KAFKA_BROKERS`). */
  kafkaBrokers?: string;
  /** `auto` uses PostgreSQL when reachable, else an embedded PGlite per service. */
  database?: 'auto' | 'postgres' | 'pglite';
  /** PostgreSQL database-name prefix (tests use their own). */
  databasePrefix?: string;
  /** Fixed ports (3001–3004, 3010, 9092, 2525/8025) or free ones (tests). */
  ports?: 'default' | 'ephemeral';
  /** Where the dev broker and PGlite keep data; undefined = memory only. */
  dataDir?: string;
  /** Start from empty: wipe the data dir and recreate the PostgreSQL databases. */
  fresh?: boolean;
  logLevel?: string;
  /** Extra environment per service. */
  serviceEnv?: Partial<Record<string, Record<string, string>>>;
  onServiceOutput?: (service: string, line: string) => void;
  readyTimeoutMs?: number;
  /**
   * `compiled` (default): the services run as JavaScript compiled once per version of the sources
   * (as in the Docker image); `typescript`: straight from the sources through @swc-node/register.
   */
  runtime?: 'compiled' | 'typescript';
  /** Build and serve the web console (default true); its extra environment is `serviceEnv['web-console']`. */
  webConsole?: boolean;
  /** The web console's port when it must be known in advance (an OIDC redirect URI names it). */
  webConsolePort?: number;
  /**
   * Rewrites the connection string each service gets (a fault test puts a TCP proxy it can cut
   * between the services and PostgreSQL); the databases are still created through the admin URL.
   */
  serviceDatabaseUrl?: (url: string, service: string) => string;
}

export interface RunningPlatform {
  kafkaBrokers: string;
  database: DatabaseProvider['kind'];
  databases: Record<string, string>;
  erpSimulatorUrl: string;
  smtp: { host: string; port: number; inboxUrl: string };
  services: Record<string, RunningService>;
  /** The web console (null when not started): the browser application and `/api/<service>/…`. */
  webConsole: RunningService | null;
  jwtSecret: string;
  /** Restarts one service process (same port, same database), with `env` on top of its own variables for this run only. */
  restartService(name: string, signal?: NodeJS.Signals, env?: Record<string, string>): Promise<void>;
  /** Stops the dev broker and starts it again on the same port and data dir (only when the platform started it). */
  restartBroker(downMs?: number): Promise<void>;
  /** Stops the ERP simulator and starts it again on the same port (its books survive only with a data dir). */
  restartErpSimulator(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Stoppable {
  stop(): Promise<void>;
}

async function portFor(mode: PlatformOptions['ports'], fixed: number): Promise<number> {
  return mode === 'ephemeral' ? freePort() : fixed;
}

/** Starts the whole platform: dev broker, databases, ERP simulator, SMTP sink and the four services. */
export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const stoppables: Stoppable[] = [];
  const services: Record<string, RunningService> = {};
  let webConsole: RunningService | null = null;
  const stopAll = async () => {
    await Promise.all([...Object.values(services), ...(webConsole ? [webConsole] : [])].map((service) => stopService(service)));
    for (const stoppable of stoppables.reverse()) await stoppable.stop().catch(() => undefined);
  };
  try {
    const kafkaBrokers = options.kafkaBrokers ?? process.env.KAFKA_BROKERS;
    let brokers = kafkaBrokers;
    let restartBroker: ((downMs: number) => Promise<void>) | undefined;
    if (!brokers) {
      if (options.fresh && options.dataDir) rmSync(join(options.dataDir, 'kafka'), { recursive: true, force: true });
      const { startBroker } = await import('@budget-erp/kafka-dev-broker');
      const brokerOptions = {
        port: await portFor(options.ports, 9092),
        host: '127.0.0.1',
        ...(options.dataDir ? { dataDir: join(options.dataDir, 'kafka') } : {}),
      };
      let broker = await startBroker(brokerOptions);
      stoppables.push({ stop: () => broker.stop() });
      brokers = broker.brokers;
      restartBroker = async (downMs) => {
        await broker.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        broker = await startBroker(brokerOptions);
      };
    }

    const mode = options.database ?? 'auto';
    const usePostgres = mode === 'postgres' || (mode === 'auto' && (await postgresReachable()));
    const databases: DatabaseProvider = usePostgres
      ? postgresProvider({ prefix: options.databasePrefix, fresh: options.fresh })
      : pgliteProvider({ dataDir: options.dataDir ? join(options.dataDir, 'pglite') : undefined, fresh: options.fresh });
    stoppables.push(databases);

    const { startErpSimulator } = await import('@budget-erp/erp-simulator');
    // The ERPs keep their books beside the broker's log and the databases, so a restart finds the jobs the links point at.
    const simulatorOptions = {
      port: await portFor(options.ports, 3010),
      ...(options.dataDir ? { dataDir: join(options.dataDir, 'erp-simulator') } : {}),
    };
    let simulator = await startErpSimulator({ ...simulatorOptions, ...(options.dataDir ? { fresh: options.fresh } : {}) });
    stoppables.push({ stop: () => simulator.stop() });

    const { startSmtpSink } = await import('@budget-erp/smtp-sink');
    const sink = await startSmtpSink({ smtpPort: await portFor(options.ports, 2525), httpPort: await portFor(options.ports, 8025) });
    stoppables.push(sink);

    const endpoints: PlatformEndpoints = {
      kafkaBrokers: brokers,
      jwtSecret: process.env.JWT_SECRET ?? DEV_JWT_SECRET,
      erpSimulatorUrl: simulator.url,
      smtpHost: '127.0.0.1',
      smtpPort: sink.smtpPort,
      erpCredentialsKey: process.env.ERP_CREDENTIALS_KEY ?? randomBytes(32).toString('base64'),
    };

    const runtimeDir = (options.runtime ?? 'compiled') === 'compiled' ? compileRuntime(WORKSPACE_ROOT).dir : undefined;
    const databaseUrls: Record<string, string> = {};
    const launch: Record<string, (extraEnv?: Record<string, string>) => RunningService> = {};
    for (const definition of SERVICES) {
      const database = await databases.databaseFor(definition.name);
      databaseUrls[definition.name] = database.description;
      const databaseUrl = options.serviceDatabaseUrl ? options.serviceDatabaseUrl(database.url, definition.name) : database.url;
      const port = await portFor(options.ports, definition.defaultPort);
      launch[definition.name] = (extraEnv = {}) =>
        spawnService(definition, {
          port,
          databaseUrl,
          endpoints,
          logLevel: options.logLevel ?? 'info',
          // Every embedded PGlite is served from this one process: while one service migrates, another's
          // connection handshake may wait longer than a server's would.
          env: { ...(databases.kind === 'pglite' ? { DATABASE_CONNECT_TIMEOUT_MS: '30000' } : {}), ...options.serviceEnv?.[definition.name], ...extraEnv },
          onOutput: (line) => options.onServiceOutput?.(definition.name, line),
          ...(runtimeDir ? { runtimeDir } : {}),
        });
      services[definition.name] = launch[definition.name]();
    }
    const readyTimeoutMs = options.readyTimeoutMs ?? 90000;
    await Promise.all(Object.values(services).map((service) => waitUntilReady(service, readyTimeoutMs)));

    if (options.webConsole ?? true) {
      const client = await buildWebConsole(WORKSPACE_ROOT);
      const url = (name: string) => services[name]!.url;
      webConsole = spawnService(WEB_CONSOLE, {
        port: options.webConsolePort ?? (await portFor(options.ports, WEB_CONSOLE.defaultPort)),
        databaseUrl: '',
        endpoints,
        logLevel: options.logLevel ?? 'info',
        env: {
          HOST: '127.0.0.1',
          STATIC_DIR: client.dir,
          BUDGET_URL: url('budget'),
          APPROVAL_URL: url('approval'),
          ERP_CONNECTOR_URL: url('erp-connector'),
          NOTIFICATION_URL: url('notification'),
          ...options.serviceEnv?.['web-console'],
        },
        onOutput: (line) => options.onServiceOutput?.('web-console', line),
        ...(runtimeDir ? { runtimeDir } : {}),
      });
      await waitUntilReady(webConsole, readyTimeoutMs);
    }

    return {
      kafkaBrokers: brokers,
      database: databases.kind,
      databases: databaseUrls,
      erpSimulatorUrl: simulator.url,
      smtp: { host: '127.0.0.1', port: sink.smtpPort, inboxUrl: sink.httpUrl },
      services,
      webConsole,
      jwtSecret: endpoints.jwtSecret,
      async restartService(name, signal = 'SIGKILL', env = {}) {
        const service = services[name];
        if (!service) throw new Error(`unknown service ${name}`);
        service.process.kill(signal);
        await service.exited;
        services[name] = launch[name](env);
        await waitUntilReady(services[name], readyTimeoutMs);
      },
      async restartBroker(downMs = 0) {
        if (!restartBroker) throw new Error('the platform uses brokers it did not start');
        await restartBroker(downMs);
      },
      async restartErpSimulator(downMs = 0) {
        await simulator.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        simulator = await startErpSimulator(simulatorOptions);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export const DEFAULT_DATA_DIR = join(WORKSPACE_ROOT, '.dev-data');
