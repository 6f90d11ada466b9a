import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimBooks, SimulatorState } from './simulator-state';

/**
 * The simulator's books on disk: one JSON file written whole after every change, before the
 * change is answered (as an ERP commits before it replies), through a temporary file and a rename
 * so that a crash leaves the old books or the new ones, never half of them.
 */
export class SimulatorBooksFile {
  readonly path: string;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'books.json');
  }

  /** Loads the books into the state; false when there are none yet. */
  load(state: SimulatorState): boolean {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    const books = JSON.parse(text) as SimBooks;
    if (books.version !== 1) throw new Error(`${this.path}: unknown books version ${String(books.version)}`);
    state.loadBooks(books);
    return true;
  }

  save(state: SimulatorState): void {
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(state.toBooks()));
    renameSync(temporary, this.path);
  }

  wipe(): void {
    rmSync(this.path, { force: true });
  }
}
