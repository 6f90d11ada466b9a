import { DataSource, EntityManager } from 'typeorm';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../inbox/infrastructure-errors';
import { OutboxRelay } from './outbox-relay';
import { storedEventsIn } from './outbox-writer';

type IsolationLevel = 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/** The connection was lost; `beforeCommit` says whether the transaction had not reached its commit yet. */
class ConnectionLost extends Error {
  constructor(
    readonly beforeCommit: boolean,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * One database transaction for a state change and the events it stores; nudges the relay after a
 * commit that stored events. A transaction that loses its connection before its commit is run
 * once more on a fresh connection (nothing of it was applied); if that fails too, or the connection
 * was lost during the commit (the outcome is unknown), it throws `DatabaseUnavailableError`, which
 * HTTP answers with 503 and a `Retry-After`.
 */
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay?: Pick<OutboxRelay, 'nudge'>,
  ) {}

  /**
   * Runs `work` in a transaction. Every query of the unit must use the given manager (on the embedded
   * database another connection would wait for this transaction to end). `work` may run twice (after
   * a lost connection), so it must keep its effects inside the transaction.
   */
  async run<T>(work: (manager: EntityManager) => Promise<T>, isolationLevel?: IsolationLevel): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(work, isolationLevel);
      } catch (error) {
        if (!(error instanceof ConnectionLost)) throw error;
        if (error.beforeCommit && attempt === 1) continue;
        throw new DatabaseUnavailableError(error.beforeCommit ? 'no' : 'unknown', error.cause);
      }
    }
  }

  private async runOnce<T>(work: (manager: EntityManager) => Promise<T>, isolationLevel?: IsolationLevel): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    let committing = false;
    let stored = false;
    try {
      await runner.connect();
      await runner.startTransaction(isolationLevel);
      const result = await work(runner.manager);
      stored = storedEventsIn(runner.manager);
      committing = true;
      await runner.commitTransaction();
      // Only a commit that stored events has anything for the relay; the others leave it to sleep.
      if (stored) this.relay?.nudge();
      return result;
    } catch (error) {
      if (!committing && runner.isTransactionActive && !runner.isReleased) await runner.rollbackTransaction().catch(() => undefined);
      if (isDatabaseUnavailable(error)) throw new ConnectionLost(!committing, error);
      throw error;
    } finally {
      await runner.release().catch(() => undefined);
    }
  }
}
