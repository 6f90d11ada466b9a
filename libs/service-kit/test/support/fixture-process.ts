import { ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import { waitFor } from '@budget-erp/testing';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const fixtureSecret = 'component-test-secret-0123456789';

export interface FixtureService {
  url: string;
  logs: Record<string, unknown>[];
  process: ChildProcess;
  /** Milliseconds from spawning the process to its "ready" line (HTTP listening). */
  startedInMs: number;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** HS256 signed independently of the library under test. */
export function fixtureToken(claims: Record<string, unknown>, { key = fixtureSecret, expiresInSeconds = 3600 as number | null, header = { alg: 'HS256', typ: 'JWT' } as Record<string, unknown> } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${base64url(header)}.${base64url({ iat: now, ...(expiresInSeconds === null ? {} : { exp: now + expiresInSeconds }), ...claims })}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

export const fixtureEditor = {
  sub: 'u1',
  name: 'Pat PM',
  email: 'pat@example.com',
  companyId: 'c1',
  perms: { budget: 'standard', erpIntegrations: 'none' },
  privileges: [] as string[],
};

/** Runs test/fixtures/component-app.ts in its own process, as `npm start` runs a service; resolves once it listens. */
export async function startFixture(env: Record<string, string>, { timeoutMs = 30_000 } = {}): Promise<FixtureService> {
  const started = Date.now();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, '..', 'fixtures', 'component-app.ts')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', JWT_SECRET: fixtureSecret, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  let url: string | undefined;
  let startedInMs = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof entry.ready === 'string') {
        url = entry.ready;
        startedInMs = Date.now() - started;
      } else logs.push(entry);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitFor(() => url || child.exitCode !== null, { timeoutMs, description: 'the service to listen' });
  if (!url) throw new Error(`service exited with ${child.exitCode}: ${stderr}`);
  return { url, logs, process: child, startedInMs };
}

export async function stopFixture(service: FixtureService | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!service || service.process.exitCode !== null || service.process.signalCode !== null) return;
  const exited = new Promise((resolve) => service.process.once('exit', resolve));
  service.process.kill(signal);
  await exited;
}
