import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { TestDatabase } from './test-database';

/** An in-memory PGlite served over the PostgreSQL wire protocol, as the platform's embedded fallback. */
export interface EmbeddedPostgres extends TestDatabase {
  /** Stops the server process (the same as `drop`: nothing outlives it). */
  stop(): Promise<void>;
}

const repoRoot = path.resolve(__dirname, '..', '..', '..');

// PGlite loads its WebAssembly through a dynamic import that jest's module sandbox refuses, so it
// runs in a child process, served over the PostgreSQL wire protocol exactly as `npm start` does.
const script = `
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
(async () => {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 50 });
  server.addEventListener('listening', (e) => console.log('LISTENING ' + e.detail.port));
  await server.start();
  const stop = async () => { await server.stop(); await db.close(); process.exit(0); };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** Starts an embedded PostgreSQL (PGlite) on a free port; stop it in afterAll. */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LISTENING (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`embedded PostgreSQL exited with ${child.exitCode}: ${output}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return { name: 'postgres', url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`, stop, drop: stop };
}
