import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import * as path from 'node:path';
import { waitFor } from './wait-for';

/** A service started as its own Node process, as deployed, reachable over HTTP. */
export interface ServiceProcess {
  url: string;
  port: number;
  /** Every chunk the process wrote to stdout and stderr. */
  output: string[];
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 10 s. */
  close(): Promise<void>;
  /** A crash: SIGKILL at once. */
  kill(): Promise<void>;
}

export interface ServiceProcessOptions {
  /** Entry point relative to the repository root, e.g. `services/budget/src/main.ts`. */
  main: string;
  /** Added to the test's own environment; `PORT` is set to a free port. */
  env?: Record<string, string>;
  /** Polled until it answers 2xx (default `/health/ready`). */
  readyPath?: string;
  /** Names the service in failure messages (default: the entry point). */
  name?: string;
  timeoutMs?: number;
}

const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `node -r @swc-node/register <main>` from the repository root on a free port and waits until
 * `readyPath` answers; fails with the process output if it exits first.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const name = options.name ?? options.main;
  const output: string[] = [];
  const child = spawn(process.execPath, ['-r', '@swc-node/register', options.main], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env, PORT: String(port), SWC_NODE_PROJECT: path.join(repoRoot, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const service: ServiceProcess = { url, port, output, child, close: () => stopWith('SIGTERM'), kill: () => stopWith('SIGKILL') };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited with ${child.exitCode ?? child.signalCode}:\n${output.join('')}`);
        const response = await fetch(`${url}${options.readyPath ?? '/health/ready'}`).catch(() => undefined);
        return response?.ok;
      },
      { timeoutMs: options.timeoutMs ?? 45_000, intervalMs: 200, description: `${name} to be ready` },
    );
  } catch (error) {
    await service.close();
    throw error;
  }
  return service;
}
