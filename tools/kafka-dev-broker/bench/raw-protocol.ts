// Pre-encoded Produce and plain Fetch requests over one socket: what the broker alone sustains,
// without kafkajs's per-message encoding cost on the client side.
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ApiKey } from '../src/protocol/api-keys';
import { Reader } from '../src/protocol/reader';
import { BatchField } from '../src/protocol/record-batch';
import { encodeRecordBatch } from '../src/protocol/record-batch-encoder';
import { Writer } from '../src/protocol/writer';

export class Pipe {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly pending = new Map<number, (frame: Buffer) => void>();
  private nextId = 1;

  constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      this.chunks.push(d);
      this.buffered += d.length;
      for (;;) {
        if (this.buffered < 4) break;
        if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks)];
        const size = this.chunks[0].readInt32BE(0);
        if (this.buffered < size + 4) break;
        const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
        const frame = all.subarray(4, size + 4);
        const rest = all.subarray(size + 4);
        this.chunks = rest.length > 0 ? [rest] : [];
        this.buffered = rest.length;
        const id = frame.readInt32BE(0);
        this.pending.get(id)?.(frame.subarray(4));
        this.pending.delete(id);
      }
    });
  }

  static connect(host: string, port: number): Promise<Pipe> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new Pipe(s)));
      s.once('error', reject);
    });
  }

  request(apiKey: number, version: number, body: (w: Writer) => void): Promise<Buffer> {
    const id = this.nextId++;
    const w = new Writer(1024);
    w.int32(0).int16(apiKey).int16(version).int32(id).nullableString('bench-raw');
    body(w);
    const frame = w.toBuffer();
    frame.writeInt32BE(frame.length - 4, 0);
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface RawResult {
  produceSeconds: number;
  consumeSeconds: number;
  consumed: number;
}

export async function rawProtocolBench(brokers: string, topic: string, partitions: number, messages: number, batchSize: number, value: Buffer): Promise<RawResult> {
  const [host, port] = brokers.split(':');
  const pipe = await Pipe.connect(host, Number(port));
  await pipe.request(ApiKey.Metadata, 4, (w) => w.array([topic], (w, t) => w.string(t)).bool(true));
  const batch = encodeRecordBatch({ records: Array.from({ length: batchSize }, (_, i) => ({ key: Buffer.from(String(i)), value })) });
  const requests = Math.ceil(messages / batchSize);
  const inFlight = 16;
  let issued = 0;
  const produceStart = performance.now();
  const worker = async () => {
    while (issued < requests) {
      const partition = issued++ % partitions;
      const res = await pipe.request(ApiKey.Produce, 3, (w) => {
        w.nullableString(null).int16(1).int32(30000);
        w.array([topic], (w, t) => {
          w.string(t);
          w.array([partition], (w, p) => w.int32(p).bytes(batch));
        });
      });
      const r = new Reader(res);
      r.int32();
      r.string();
      r.int32();
      r.int32();
      const error = r.int16();
      if (error !== 0) throw new Error(`produce failed with error ${error}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const produceSeconds = (performance.now() - produceStart) / 1000;

  const offsets = new Array<number>(partitions).fill(0);
  let consumed = 0;
  const consumeStart = performance.now();
  while (consumed < requests * batchSize) {
    const res = await pipe.request(ApiKey.Fetch, 4, (w) => {
      w.int32(-1).int32(500).int32(1).int32(64 * 1024 * 1024).int8(0);
      w.array([topic], (w, t) => {
        w.string(t);
        w.array(offsets.map((o, i) => [i, o]), (w, [p, o]) => w.int32(p).int64(o).int32(8 * 1024 * 1024));
      });
    });
    const r = new Reader(res);
    r.int32();
    r.array((r) => {
      r.string();
      return r.array((r) => {
        const p = r.int32();
        r.int16();
        r.int64();
        r.int64();
        r.array((r) => [r.int64(), r.int64()]);
        const records = r.bytes();
        for (let pos = 0; pos + 61 <= records.length; pos += records.readInt32BE(pos + 8) + 12) {
          consumed += records.readInt32BE(pos + BatchField.recordCount);
          offsets[p] = Number(records.readBigInt64BE(pos)) + records.readInt32BE(pos + BatchField.lastOffsetDelta) + 1;
        }
        return p;
      });
    });
  }
  const consumeSeconds = (performance.now() - consumeStart) / 1000;
  pipe.close();
  return { produceSeconds, consumeSeconds, consumed };
}

/** Produces pre-encoded batches until `totalBytes` of batches went through, `inFlight` requests at a time. */
export async function producePreEncoded(brokers: string, topic: string, partitions: number, totalBytes: number, batch: Buffer, onProgress?: (bytes: number) => void): Promise<number> {
  const [host, port] = brokers.split(':');
  const pipe = await Pipe.connect(host, Number(port));
  await pipe.request(ApiKey.Metadata, 4, (w) => w.array([topic], (w, t) => w.string(t)).bool(true));
  const requests = Math.ceil(totalBytes / batch.length);
  let issued = 0;
  let done = 0;
  const start = performance.now();
  const worker = async () => {
    while (issued < requests) {
      const partition = issued++ % partitions;
      const res = await pipe.request(ApiKey.Produce, 3, (w) => {
        w.nullableString(null).int16(1).int32(30000);
        w.array([topic], (w, t) => {
          w.string(t);
          w.array([partition], (w, p) => w.int32(p).bytes(batch));
        });
      });
      const r = new Reader(res);
      r.int32();
      r.string();
      r.int32();
      r.int32();
      const error = r.int16();
      if (error !== 0) throw new Error(`produce failed with error ${error}`);
      done++;
      onProgress?.(done * batch.length);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  pipe.close();
  return (performance.now() - start) / 1000;
}
