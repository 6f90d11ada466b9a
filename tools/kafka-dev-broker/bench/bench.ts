// Throughput and latency of the dev broker driven by kafkajs, the broker in its own process as in `npm start`.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { rawProtocolBench } from './raw-protocol';
import { librdkafkaIdempotent, storageBench } from './storage-bench';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100000);
const BATCH = 100;
const VALUE = Buffer.alloc(1024, 'v');
const IN_FLIGHT = 4;
const PRODUCER_THREADS = Number(process.env.BENCH_PRODUCER_THREADS ?? 2);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 5);
const TIME_LIMIT_MS = 900000;
const STORAGE_BYTES = Number(process.env.BENCH_STORAGE_BYTES ?? 2.5 * 1024 ** 3);
/** Per partition (2 partitions): what is left after STORAGE_BYTES, a little over 2 GB by default. */
const RETENTION_BYTES = Number(process.env.BENCH_RETENTION_BYTES ?? 1.1 * 1024 ** 3);
const LIBRDKAFKA_MESSAGES = Number(process.env.BENCH_LIBRDKAFKA_MESSAGES ?? 200000);

async function startBrokerProcess(): Promise<{ child: ChildProcess; brokers: string }> {
  const cli = path.join(__dirname, '..', 'src', 'cli.ts');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', cli, '--port', '0', '--partitions', '6', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const brokers = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  process.once('exit', () => child.kill('SIGKILL'));
  return { child, brokers };
}

function peakRssMb(pid: number | 'self'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) used so far by a process. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks at Linux's USER_HZ of 100
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const progress = (phase: string) => process.stderr.write(`bench: ${phase}…\n`);

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** One message per send at a steady 1,000 messages/s, timed from send to eachMessage. */
async function measureLatency(kafka: Kafka, producer: Producer): Promise<{ sorted: number[]; total: number; rate: number }> {
  const latencies: number[] = [];
  const lc = kafka.consumer({ groupId: 'bench-latency', maxWaitTimeInMs: 500 });
  await lc.connect();
  await lc.subscribe({ topic: 'bench.latency', fromBeginning: false });
  let assigned = false;
  lc.on(lc.events.GROUP_JOIN, () => {
    assigned = true;
  });
  let fetched = 0;
  lc.on(lc.events.FETCH_START, () => {
    fetched++;
  });
  await lc.run({
    eachMessage: async ({ message }) => {
      latencies.push(performance.now() - Number(message.value?.toString()));
    },
  });
  while (!assigned || fetched === 0) await new Promise((r) => setTimeout(r, 20));
  const total = LATENCY_SECONDS * 1000;
  const t0 = performance.now();
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(producer.send({ topic: 'bench.latency', acks: 1, messages: [{ key: String(i), value: String(performance.now()) }] }));
  }
  await Promise.all(pending);
  const waitUntil = performance.now() + 5000;
  while (latencies.length < total && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 20));
  const rate = total / ((performance.now() - t0) / 1000);
  await lc.disconnect();
  return { sorted: [...latencies].sort((a, b) => a - b), total, rate };

}

async function startProducers(brokers: string): Promise<Worker[]> {
  const file = path.join(__dirname, 'produce-worker.ts');
  const per = Math.ceil(MESSAGES / PRODUCER_THREADS);
  const workers = Array.from({ length: PRODUCER_THREADS }, (_, i) =>
    new Worker(`require(${JSON.stringify(file)})`, {
      eval: true,
      workerData: { brokers, topic: 'bench.throughput', messages: Math.min(per, MESSAGES - i * per), batch: BATCH, inFlight: IN_FLIGHT, valueBytes: VALUE.length, offset: i * per },
    }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  })));
  return workers;
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write('bench: time limit reached\n');
    process.exit(1);
  }, TIME_LIMIT_MS);
  const { child, brokers } = await startBrokerProcess();
  try {
    const kafka = new Kafka({ brokers: [brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'bench.throughput', numPartitions: 6 }, { topic: 'bench.latency', numPartitions: 6 }] });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    progress('latency at 1,000 msg/s');
    const latency = await measureLatency(kafka, producer);
    progress('produce throughput');

    // Produce: batches of 100 × 1 KB, a few sends in flight per producer thread.
    const brokerPid = child.pid as number;
    const workers = await startProducers(brokers);
    progress('producers ready');
    const cpuAtProduce = { broker: cpuSeconds(brokerPid), client: cpuSeconds(process.pid) };
    const produceStart = performance.now();
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      w.once('message', () => resolve());
      w.postMessage('go');
    })));
    const produceSeconds = (performance.now() - produceStart) / 1000;
    const produceCpu = { broker: cpuSeconds(brokerPid) - cpuAtProduce.broker, client: cpuSeconds(process.pid) - cpuAtProduce.client };
    progress('produced');
    await Promise.all(workers.map((w) => w.terminate()));

    progress('consume throughput');
    // Consume everything from the beginning in one group member.
    const consumer = kafka.consumer({ groupId: 'bench-throughput', maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'bench.throughput', fromBeginning: true });
    let consumed = 0;
    const cpuAtConsume = { broker: cpuSeconds(brokerPid), client: cpuSeconds(process.pid) };
    let consumeStart = 0;
    const consumedAll = new Promise<number>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          if (consumeStart === 0) consumeStart = performance.now();
          consumed += batch.messages.length;
          if (consumed >= MESSAGES) resolve(performance.now());
        },
      });
    });
    const consumeEnd = await consumedAll;
    const consumeSeconds = (consumeEnd - consumeStart) / 1000;
    const consumeCpu = { broker: cpuSeconds(brokerPid) - cpuAtConsume.broker, client: cpuSeconds(process.pid) - cpuAtConsume.client };
    await consumer.disconnect();

    await producer.disconnect();

    progress('broker alone: pre-encoded produce and plain fetch');
    const cpuAtRaw = cpuSeconds(brokerPid);
    const raw = await rawProtocolBench(brokers, 'bench.raw', 6, MESSAGES, BATCH, VALUE);
    const rawCpu = cpuSeconds(brokerPid) - cpuAtRaw;

    progress('librdkafka idempotent producer');
    const rd = await librdkafkaIdempotent(brokers, 'bench.librdkafka', LIBRDKAFKA_MESSAGES, VALUE.length);
    const brokerPeak = peakRssMb(child.pid as number);
    child.kill('SIGTERM');

    progress(`storage: ${fmt(STORAGE_BYTES / 1024 ** 3, 1)} GB through a broker with retention on`);
    const storage = await storageBench(STORAGE_BYTES, Math.floor(RETENTION_BYTES), progress);

    const { sorted, total, rate } = latency;
    const mb = (MESSAGES * VALUE.length) / (1024 * 1024);
    const cpus = os.cpus();
    const lines = [
      `machine: ${cpus.length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${os.platform()} ${os.arch()}`,
      `kafkajs produce: ${fmt(MESSAGES)} messages of 1 KB in batches of ${BATCH} (${PRODUCER_THREADS} producer threads, ${IN_FLIGHT} sends in flight each, acks 1): ${fmt(MESSAGES / produceSeconds)} msg/s, ${fmt(mb / produceSeconds, 1)} MB/s (CPU s: broker ${fmt(produceCpu.broker, 2)}, client ${fmt(produceCpu.client, 2)})`,
      `kafkajs consume: ${fmt(consumed)} messages, one group member, eachBatch: ${fmt(consumed / consumeSeconds)} msg/s, ${fmt(mb / consumeSeconds, 1)} MB/s (CPU s: broker ${fmt(consumeCpu.broker, 2)}, client ${fmt(consumeCpu.client, 2)})`,
      `broker alone (pre-encoded Produce v3 batches of ${BATCH}, 16 in flight; Fetch v4 of 6 partitions): produce ${fmt(MESSAGES / raw.produceSeconds)} msg/s, ${fmt(mb / raw.produceSeconds, 1)} MB/s; consume ${fmt(raw.consumed / raw.consumeSeconds)} msg/s, ${fmt(mb / raw.consumeSeconds, 1)} MB/s (broker CPU s ${fmt(rawCpu, 2)})`,
      `latency: ${fmt(sorted.length)}/${fmt(total)} messages at ${fmt(rate)} msg/s, produce→consume p50 ${fmt(percentile(sorted, 50), 2)} ms, p99 ${fmt(percentile(sorted, 99), 2)} ms, max ${fmt(sorted[sorted.length - 1] ?? NaN, 2)} ms`,
      `librdkafka idempotent producer (python3-confluent-kafka, 1 KB values, linger 5 ms): ${fmt(rd.messages / rd.seconds)} msg/s, ${fmt((rd.messages * VALUE.length) / (1024 * 1024) / rd.seconds, 1)} MB/s, ${rd.undelivered} undelivered${rd.errors.length ? `, errors: ${rd.errors.join('; ')}` : ''}`,
      `peak RSS: broker ${fmt(brokerPeak, 1)} MB, bench client ${fmt(peakRssMb('self'), 1)} MB`,
      `storage: ${fmt(storage.producedBytes / 1024 ** 3, 2)} GB of 1 KB records (pre-encoded batches of 100, 2 partitions, 64 MB segments, retention.bytes ${fmt(RETENTION_BYTES / 1024 ** 2)} MB per partition) in ${fmt(storage.produceSeconds, 1)} s (${fmt(storage.producedBytes / 1024 ** 2 / storage.produceSeconds)} MB/s): broker RSS peak ${fmt(storage.peakRssMb, 1)} MB, ${fmt(storage.rssAfterMb, 1)} MB after`,
      `restart over ${fmt(storage.retainedBytes / 1024 ** 3, 2)} GB left on disk (high watermarks ${storage.highWatermarks.join(', ')}): listening after ${fmt(storage.restartListenMs)} ms, first ListOffsets answered after ${fmt(storage.restartServedMs)} ms, process start included (over an empty data dir: ${fmt(storage.emptyStartMs)} ms)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    clearTimeout(deadline);
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
