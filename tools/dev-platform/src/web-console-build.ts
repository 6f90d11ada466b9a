import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const COMPLETE_MARKER = '.complete';

export interface BuiltWebConsole {
  /** Folder with index.html and assets/. */
  dir: string;
  built: boolean;
  ms: number;
}

function clientFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...clientFiles(path));
    else files.push(path);
  }
  return files.sort();
}

const LOCK_WAIT_MS = 120000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the build lock (a directory: creating one is atomic across processes). Vite refuses two
 * builds of one project at once, so concurrent `npm start`s and test platforms build one at a time;
 * a lock left by a process that died is taken over.
 */
async function withBuildLock<T>(buildsDir: string, work: () => T): Promise<T> {
  const lock = join(buildsDir, '.build-lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  mkdirSync(buildsDir, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // being created or removed right now
      }
      if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the web console build lock ${lock} is still held after ${LOCK_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Builds the browser application with Vite once per version of its sources and of the packages it
 * bundles, under `dist/web-console/<hash>/`. Safe when several processes want it at once: one builds,
 * the others wait for it and use its output.
 */
export async function buildWebConsole(workspaceRoot: string): Promise<BuiltWebConsole> {
  const started = Date.now();
  const project = join(workspaceRoot, 'services', 'web-console');
  const hash = createHash('sha256');
  for (const file of [...clientFiles(join(project, 'client')), join(project, 'vite.config.mjs'), join(workspaceRoot, 'package-lock.json')]) {
    hash.update(`${relative(workspaceRoot, file)}\0`).update(readFileSync(file));
  }
  const buildsDir = join(workspaceRoot, 'dist', 'web-console');
  const dir = join(buildsDir, hash.digest('hex').slice(0, 16));
  if (existsSync(join(dir, COMPLETE_MARKER))) return { dir, built: false, ms: Date.now() - started };
  return withBuildLock(buildsDir, () => {
    if (existsSync(join(dir, COMPLETE_MARKER))) return { dir, built: false, ms: Date.now() - started };
    return buildInto(workspaceRoot, project, buildsDir, dir, started);
  });
}

function buildInto(workspaceRoot: string, project: string, buildsDir: string, dir: string, started: number): BuiltWebConsole {
  const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const vite = join(workspaceRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join(project, 'vite.config.mjs'), '--outDir', staging, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`building the web console failed:\n${result.stdout}\n${result.stderr}`);
  }
  writeFileSync(join(staging, COMPLETE_MARKER), new Date().toISOString());
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  for (const name of readdirSync(buildsDir)) {
    const path = join(buildsDir, name);
    if (path === dir || name === '.build-lock') continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 60 * 60 * 1000) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
  return { dir, built: true, ms: Date.now() - started };
}
