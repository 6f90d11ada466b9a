import { type ChildProcess, spawn } from 'node:child_process';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

// PGlite loads its WebAssembly with a dynamic import that jest's module sandbox refuses, so it
// runs in a child process, served over the PostgreSQL wire protocol exactly as `npm start` does.
const script = `
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
(async () => {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 20 });
  server.addEventListener('listening', (e) => console.log('LISTENING ' + e.detail.port));
  await server.start();
  process.on('SIGTERM', async () => { await server.stop(); await db.close(); process.exit(0); });
})();
`;

export async function startEmbeddedPostgres(cwd: string): Promise<EmbeddedPostgres> {
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LISTENING (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited with ${code}`)));
  });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
