import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { dropDatabasesWithPrefix } from '@budget-erp/testing';

// npm start runs as its own process here, as a developer runs it (PGlite cannot load inside jest anyway).
const ROOT = join(__dirname, '..', '..', '..');

interface Started {
  child: ChildProcess;
  output: () => string;
  urls: Record<string, string>;
  exited: Promise<number | null>;
}

async function npmStart(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'tools/dev-platform/src/main.ts', '--memory', '--quiet', '--ephemeral-ports', ...args], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 150000;
  while (!text.includes('Press Ctrl-C')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${text}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`npm start was not up in time:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const urls: Record<string, string> = {};
  for (const match of text.matchAll(/^\s+(budget|approval|erp-connector|notification) service\s+(http:\/\/\S+)/gm)) urls[match[1]] = match[2];
  return { child, output: () => text, urls, exited };
}

async function expectEveryServiceReady(started: Started): Promise<void> {
  expect(Object.keys(started.urls).sort()).toEqual(['approval', 'budget', 'erp-connector', 'notification']);
  for (const [name, url] of Object.entries(started.urls)) {
    const response = await fetch(`${url}/health/ready`);
    expect({ name, status: response.status }).toEqual({ name, status: 200 });
  }
}

async function stopWithCtrlC(started: Started): Promise<void> {
  started.child.kill('SIGINT');
  const code = await started.exited;
  expect(code).toBe(0);
  expect(started.output()).toContain('Stopped.');
  for (const url of Object.values(started.urls)) {
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  }
}

describe('npm start', () => {
  it('with a reachable PostgreSQL, brings all four services and the web console to ready on their own databases, prints where everything is with the demo ERP job, and stops on Ctrl-C', async () => {
    const prefix = `t_devplat_${randomBytes(3).toString('hex')}_`;
    const started = await npmStart(['--postgres', '--database-prefix', prefix]);
    try {
      await expectEveryServiceReady(started);
      const output = started.output();
      for (const label of ['Kafka brokers', 'ERP simulator', 'SMTP sink', 'Dev token']) expect(output).toContain(label);
      expect(output.match(new RegExp(`PostgreSQL 127\\.0\\.0\\.1:5432/${prefix}\\w+`, 'g'))).toHaveLength(4);
      // The web console answers at the printed URL, and the demo company's ERP holds the job it prints.
      const consoleUrl = /^\s+Web console\s+(http:\/\/\S+)/m.exec(output)?.[1];
      expect((await fetch(`${consoleUrl}/health/ready`)).status).toBe(200);
      expect(await (await fetch(`${consoleUrl}/`)).text()).toContain('<div id="root">');
      const simulatorUrl = /^\s+ERP simulator\s+(http:\/\/\S+)/m.exec(output)?.[1];
      expect(output).toContain('CMiC job DEMO-100 of company "demo"');
      expect((await fetch(`${simulatorUrl}/_sim/cmic/jobs/DEMO-100?companyId=demo`)).status).toBe(200);
      await stopWithCtrlC(started);
    } finally {
      started.child.kill('SIGKILL');
      await dropDatabasesWithPrefix(prefix);
    }
  }, 240000);

  it('without PostgreSQL, brings all four services to ready on an embedded PGlite each', async () => {
    const started = await npmStart(['--pglite']);
    try {
      await expectEveryServiceReady(started);
      expect(started.output().match(/embedded PGlite/g)).toHaveLength(4);
      await stopWithCtrlC(started);
    } finally {
      started.child.kill('SIGKILL');
    }
  }, 240000);
});
