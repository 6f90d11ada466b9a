import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/**
 * Builds the browser application with Vite once per version of its sources and of the packages it
 * bundles, under `dist/web-console/<hash>/`. Safe when several processes build at once: each builds
 * into its own folder and the first rename wins.
 */
export function buildWebConsole(workspaceRoot: string): BuiltWebConsole {
  const started = Date.now();
  const project = join(workspaceRoot, 'services', 'web-console');
  const hash = createHash('sha256');
  for (const file of [...clientFiles(join(project, 'client')), join(project, 'vite.config.mjs'), join(workspaceRoot, 'package-lock.json')]) {
    hash.update(`${relative(workspaceRoot, file)}\0`).update(readFileSync(file));
  }
  const buildsDir = join(workspaceRoot, 'dist', 'web-console');
  const dir = join(buildsDir, hash.digest('hex').slice(0, 16));
  if (existsSync(join(dir, COMPLETE_MARKER))) return { dir, built: false, ms: Date.now() - started };

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
    if (path === dir) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 60 * 60 * 1000) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
  return { dir, built: true, ms: Date.now() - started };
}
