import { DataSource, EntityManager } from 'typeorm';
import { OutboxRelay } from './outbox-relay';
import { storedEventsIn } from './outbox-writer';

type IsolationLevel = 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/** One database transaction for a state change and the events it stores; nudges the relay after a commit that stored events. */
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
    let stored = false;
    const unit = async (manager: EntityManager) => {
      const result = await work(manager);
      stored = storedEventsIn(manager);
      return result;
    };
    const result = isolationLevel ? await this.dataSource.transaction(isolationLevel, unit) : await this.dataSource.transaction(unit);
    // Only a commit that stored events has anything for the relay; the others leave it to sleep.
    if (stored) this.relay?.nudge();
    return result;
  }
}
