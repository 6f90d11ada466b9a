import { DataSource, EntityManager } from 'typeorm';
import { OutboxRelay } from './outbox-relay';

type IsolationLevel = 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/** One database transaction for a state change and the events it stores; nudges the relay after commit. */
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relay?: Pick<OutboxRelay, 'nudge'>,
  ) {}

  /**
   * Runs `work` in a transaction. Every query of the unit must use the given manager (on the embedded
   * database another connection would wait for this transaction to end).
   */
  async run<T>(work: (manager: EntityManager) => Promise<T>, isolationLevel?: IsolationLevel): Promise<T> {
    const result = isolationLevel
      ? await this.dataSource.transaction(isolationLevel, work)
      : await this.dataSource.transaction(work);
    this.relay?.nudge();
    return result;
  }
}
