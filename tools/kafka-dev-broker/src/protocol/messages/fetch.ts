import { Reader } from '../reader';
import { Writer } from '../writer';

export interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  topics: Array<{ name: string; partitions: Array<{ index: number; fetchOffset: number; maxBytes: number }> }>;
}

export function decodeFetchRequest(r: Reader): FetchRequest {
  r.int32(); // replica id
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  r.int8(); // isolation level: nothing is transactional here
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({ index: r.int32(), fetchOffset: r.int64n(), maxBytes: r.int32() })),
  }));
  return { maxWaitMs, minBytes, maxBytes, topics };
}

export interface FetchPartitionResult {
  index: number;
  error: number;
  highWatermark: number;
  chunks: Buffer[];
  size: number;
}

export interface FetchResponse {
  topics: Array<{ name: string; partitions: FetchPartitionResult[] }>;
}

export function encodeFetchResponse(w: Writer, res: FetchResponse): void {
  w.int32(0);
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.error).int64(p.highWatermark).int64(p.highWatermark);
      w.int32(0); // aborted transactions
      w.int32(p.size);
      for (const c of p.chunks) w.rawRef(c);
    });
  });
}
