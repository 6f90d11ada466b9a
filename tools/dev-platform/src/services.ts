import { ERP_SYSTEM_IDS } from '@budget-erp/contracts';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const WORKSPACE_ROOT = join(__dirname, '..', '..', '..');

/** What every service needs from the platform around it. */
export interface PlatformEndpoints {
  kafkaBrokers: string;
  jwtSecret: string;
  erpSimulatorUrl: string;
  smtpHost: string;
  smtpPort: number;
  erpCredentialsKey: string;
}

export interface ServiceDefinition {
  name: 'budget' | 'approval' | 'erp-connector' | 'notification' | 'web-console';
  defaultPort: number;
  /** Environment beyond the common PORT, DATABASE_URL, KAFKA_BROKERS, JWT_SECRET, LOG_LEVEL. */
  env(endpoints: PlatformEndpoints): Record<string, string>;
}

export const SERVICES: ServiceDefinition[] = [
  { name: 'budget', defaultPort: 3001, env: () => ({}) },
  { name: 'approval', defaultPort: 3002, env: () => ({}) },
  {
    name: 'erp-connector',
    defaultPort: 3003,
    env: (e) => ({
      ERP_SYSTEMS: ERP_SYSTEM_IDS.join(','),
      ERP_CREDENTIALS_KEY: e.erpCredentialsKey,
      ERP_BASE_URL: e.erpSimulatorUrl,
    }),
  },
  {
    name: 'notification',
    defaultPort: 3004,
    env: (e) => ({ SMTP_HOST: e.smtpHost, SMTP_PORT: String(e.smtpPort), SMTP_FROM: 'ERP Integrations <erp-integrations@budget-erp.local>' }),
  },
];

/** The operator web console: its own process, forwarding `/api/<service>/…` to the four services. */
export const WEB_CONSOLE: ServiceDefinition = { name: 'web-console', defaultPort: 3000, env: () => ({}) };

export interface RunningService {
  name: string;
  url: string;
  process: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts a service as its own process, as in production: one process per service. */
export function spawnService(
  definition: ServiceDefinition,
  options: {
    port: number;
    databaseUrl: string;
    endpoints: PlatformEndpoints;
    logLevel: string;
    env?: Record<string, string>;
    onOutput?: (line: string) => void;
    /** A `compileRuntime` folder to run the compiled JavaScript from; else the TypeScript sources through @swc-node/register. */
    runtimeDir?: string;
  },
): RunningService {
  const args = options.runtimeDir
    ? [join(options.runtimeDir, 'services', definition.name, 'src', 'main.js')]
    : ['-r', '@swc-node/register', join(WORKSPACE_ROOT, 'services', definition.name, 'src', 'main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: WORKSPACE_ROOT,
    env: {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      SERVICE_NAME: definition.name,
      PORT: String(options.port),
      DATABASE_URL: options.databaseUrl,
      KAFKA_BROKERS: options.endpoints.kafkaBrokers,
      JWT_SECRET: options.endpoints.jwtSecret,
      LOG_LEVEL: options.logLevel,
      ...definition.env(options.endpoints),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.onOutput?.(line);
    });
  };
  forward(child.stdout);
  forward(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name: definition.name, url: `http://127.0.0.1:${options.port}`, process: child, exited };
}

/** Polls `/health/ready` until it answers 200, the process exits, or time runs out. */
export async function waitUntilReady(service: RunningService, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void service.exited.then(() => (exited = true));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${service.name} exited before it was ready (${last})`);
    try {
      const response = await fetch(`${service.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${service.name} was not ready within ${timeoutMs} ms (${last})`);
}

/** Asks a service to stop (SIGTERM) and kills it if it does not within the grace period. */
export async function stopService(service: RunningService, graceMs = 10000): Promise<void> {
  if (service.process.exitCode !== null || service.process.signalCode !== null) return;
  service.process.kill('SIGTERM');
  const timer = setTimeout(() => service.process.kill('SIGKILL'), graceMs);
  await service.exited;
  clearTimeout(timer);
}
