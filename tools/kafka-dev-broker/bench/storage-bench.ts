// Broker memory while gigabytes of records pass through it with retention on, and restart time over
// the log left on disk; librdkafka's idempotent producer throughput.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeRecordBatch } from '../src/protocol/record-batch-encoder';
import { ApiKey } from '../src/protocol/api-keys';
import { Pipe, producePreEncoded } from './raw-protocol';

export async function startBrokerProcess(args: string[]): Promise<{ child: ChildProcess; brokers: string; readyMs: number }> {
  const cli = path.join(__dirname, '..', 'src', 'cli.ts');
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', cli, '--port', '0', '--log-level', 'warn', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  return { child, brokers, readyMs: performance.now() - t0 };
}

export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface StorageResult {
  producedBytes: number;
  produceSeconds: number;
  peakRssMb: number;
  rssAfterMb: number;
  retainedBytes: number;
  restartListenMs: number;
  /** The same start over an empty data dir: the process and module loading alone. */
  emptyStartMs: number;
  restartServedMs: number;
  highWatermarks: number[];
}

/**
 * Produces `totalBytes` of 1 KB records (batches of 100) into a 2-partition topic with 64 MB segments
 * and `retention.bytes` per partition, sampling the broker's RSS; then restarts it over the log left.
 */
export async function storageBench(totalBytes: number, retentionBytesPerPartition: number, progress: (s: string) => void): Promise<StorageResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-broker-'));
  const args = ['--data-dir', dataDir, '--config', 'log.segment.bytes=67108864', '--config', `log.retention.bytes=${retentionBytesPerPartition}`, '--config', 'log.retention.check.interval.ms=1000'];
  try {
    const first = await startBrokerProcess(args);
    const pid = first.child.pid as number;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(pid, 'VmRSS'));
    }, 100);
    const value = Buffer.alloc(1024, 'r');
    const batch = encodeRecordBatch({ records: Array.from({ length: 100 }, (_, i) => ({ key: Buffer.from(String(i)), value })) });
    let lastReport = 0;
    const produceSeconds = await producePreEncoded(first.brokers, 'bench.retention', 2, totalBytes, batch, (bytes) => {
      if (bytes - lastReport >= 512 * 1024 * 1024) {
        lastReport = bytes;
        progress(`${(bytes / 1024 ** 3).toFixed(1)} GB produced, broker RSS ${rssMb(pid, 'VmRSS').toFixed(0)} MB`);
      }
    });
    await new Promise((r) => setTimeout(r, 2500)); // a retention check or two
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(pid, 'VmRSS'), rssMb(pid, 'VmHWM'));
    const rssAfterMb = rssMb(pid, 'VmRSS');
    await stopped(first.child);
    const retainedBytes = dirBytes(dataDir);
    progress(`restart over ${(retainedBytes / 1024 ** 3).toFixed(2)} GB on disk`);
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-broker-empty-'));
    const empty = await startBrokerProcess(['--data-dir', emptyDir]);
    const emptyStartMs = empty.readyMs;
    await stopped(empty.child);
    fs.rmSync(emptyDir, { recursive: true, force: true });
    const t0 = performance.now();
    const second = await startBrokerProcess(args);
    const restartListenMs = performance.now() - t0;
    const [host, port] = second.brokers.split(':');
    const pipe = await Pipe.connect(host, Number(port));
    // served: ListOffsets v1 latest of both partitions
    const res = await pipe.request(ApiKey.ListOffsets, 1, (w) => {
      w.int32(-1);
      w.array(['bench.retention'], (w, t) => {
        w.string(t);
        w.array([0, 1], (w, p) => w.int32(p).int64(-1));
      });
    });
    const restartServedMs = performance.now() - t0;
    const highWatermarks: number[] = [];
    let at = 4 + 2 + 'bench.retention'.length + 4;
    for (let i = 0; i < 2; i++) {
      at += 4 + 2 + 8;
      highWatermarks.push(Number(res.readBigInt64BE(at)));
      at += 8;
    }
    pipe.close();
    await stopped(second.child);
    return { producedBytes: totalBytes, produceSeconds, peakRssMb: peak, rssAfterMb, retainedBytes, restartListenMs, emptyStartMs, restartServedMs, highWatermarks };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** librdkafka's idempotent producer (Debian's python3-confluent-kafka) against a running broker. */
export function librdkafkaIdempotent(brokers: string, topic: string, messages: number, valueBytes: number): Promise<{ messages: number; seconds: number; undelivered: number; errors: string[] }> {
  const python = process.env.DEV_BROKER_PYTHON ?? '/usr/bin/python3';
  return new Promise((resolve, reject) => {
    execFile(python, [path.join(__dirname, 'librdkafka-producer.py'), brokers, topic, String(messages), String(valueBytes)], { timeout: 300000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`librdkafka producer failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { messages: number; seconds: number; undelivered: number; errors: string[] });
    });
  });
}
