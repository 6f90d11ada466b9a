// Serves an in-memory PGlite over the PostgreSQL wire protocol, as the platform's embedded fallback
// does. Runs as its own process because PGlite loads its WebAssembly through a dynamic import that
// jest's module sandbox does not allow. Prints `listening <host:port>` once ready.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

async function main(): Promise<void> {
  const db = new PGlite();
  const server = new PGLiteSocketServer({ db, port: 0, maxConnections: 50 });
  await server.start();
  process.stdout.write(`listening ${server.getServerConn()}\n`);
  const stop = async () => {
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
