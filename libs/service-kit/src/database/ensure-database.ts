import { Client } from 'pg';

/**
 * Creates the database named in `url` when the server answers "database does not exist", so a service
 * starts on a fresh PostgreSQL. A server with a single fixed database (embedded PGlite) simply connects.
 */
export async function ensureDatabaseExists(url: string, { waitMs = 15_000, connectTimeoutMs = 5_000 } = {}): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const probe = new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
    try {
      await probe.connect();
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '3D000') break;
      // A server still starting (npm start brings PostgreSQL or PGlite up beside the services) is waited for.
      const starting = code === 'ECONNREFUSED' || code === '57P03';
      if (!starting || Date.now() >= deadline) throw error;
    } finally {
      await probe.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  target.pathname = '/postgres';
  const admin = new Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (error) {
    // Another instance created it between the probe and now.
    if ((error as { code?: string }).code !== '42P04' && (error as { code?: string }).code !== '23505') throw error;
  } finally {
    await admin.end();
  }
}
