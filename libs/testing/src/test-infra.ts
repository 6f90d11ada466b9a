import { startTestBroker, type TestBroker, type TestBrokerOptions } from './test-broker';
import { createTestDatabase, type TestDatabase } from './test-database';

/** A fresh database and a dev broker for one test file. */
export interface TestInfra {
  db: TestDatabase;
  broker: TestBroker;
  /** Stops the broker, then drops the database. */
  stop(): Promise<void>;
}

/** Creates the database and starts the broker (one partition per topic unless told) side by side. */
export async function startTestInfra(prefix: string, brokerOptions: TestBrokerOptions = { partitions: 1 }): Promise<TestInfra> {
  const [db, broker] = await Promise.all([createTestDatabase(prefix), startTestBroker(brokerOptions)]);
  return {
    db,
    broker,
    stop: async () => {
      await broker.stop();
      await db.drop();
    },
  };
}
