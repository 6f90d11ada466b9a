// One producer of the throughput phase, in its own thread so client-side encoding is not one core's limit.
import { parentPort, workerData } from 'node:worker_threads';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

interface ProduceJob {
  brokers: string;
  topic: string;
  messages: number;
  batch: number;
  inFlight: number;
  valueBytes: number;
  offset: number;
}

async function run(job: ProduceJob): Promise<void> {
  const kafka = new Kafka({ brokers: [job.brokers], clientId: `bench-producer-${job.offset}`, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const value = Buffer.alloc(job.valueBytes, 'v');
  parentPort?.postMessage({ type: 'ready' });
  await new Promise<void>((resolve) => parentPort?.once('message', () => resolve()));
  let sent = 0;
  const sender = async () => {
    while (sent < job.messages) {
      const n = Math.min(job.batch, job.messages - sent);
      const base = job.offset + sent;
      sent += n;
      await producer.send({ topic: job.topic, acks: 1, messages: Array.from({ length: n }, (_, i) => ({ key: String(base + i), value })) });
    }
  };
  await Promise.all(Array.from({ length: job.inFlight }, sender));
  parentPort?.postMessage({ type: 'done' });
}

void run(workerData as ProduceJob);
