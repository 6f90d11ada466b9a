// A consumer-group member in its own process, so a test can kill it without a LeaveGroup.
import { Kafka, logLevel } from 'kafkajs';

async function main(): Promise<void> {
  const [brokers, topic, groupId] = process.argv.slice(2);
  const kafka = new Kafka({ brokers: [brokers], clientId: 'killable-member', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 300, rebalanceTimeout: 10000 });
  consumer.on(consumer.events.GROUP_JOIN, (e) => process.send?.({ type: 'assigned', partitions: e.payload.memberAssignment[topic] ?? [] }));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void process.send?.({ type: 'message', value: message.value?.toString() }) });
}

void main();
