// Runs an outbox relay that dies (SIGKILL) right after Kafka acknowledged its first batch and before
// the batch is marked published: the crash the outbox must survive.
// Usage: node -r @swc-node/register crashing-relay.ts <database-url> <brokers>
import { DataSource } from 'typeorm';
import { messagingEntities, OutboxRelay } from '../../src';

async function main(): Promise<void> {
  const [url, brokers] = process.argv.slice(2);
  const dataSource = new DataSource({ type: 'postgres', url, entities: messagingEntities });
  await dataSource.initialize();
  const relay = new OutboxRelay(dataSource, {
    brokers: brokers.split(','),
    clientId: 'crashing-relay',
    pollIntervalMs: 20,
    onBatchPublished: (events) => {
      process.stdout.write(`published ${events.map((e) => e.id).join(',')}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  });
  relay.start();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
