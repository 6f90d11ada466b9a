import { Reader } from '../reader';
import { Writer } from '../writer';

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: Array<{ name: string; partitions: Array<{ index: number; records: Buffer | null }> }>;
}

export function decodeProduceRequest(r: Reader): ProduceRequest {
  return {
    transactionalId: r.nullableString(),
    acks: r.int16(),
    timeoutMs: r.int32(),
    topics: r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
    })),
  };
}

export interface ProduceResponse {
  topics: Array<{ name: string; partitions: Array<{ index: number; error: number; baseOffset: number }> }>;
}

export function encodeProduceResponse(w: Writer, res: ProduceResponse): void {
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => w.int32(p.index).int16(p.error).int64(p.baseOffset).int64(-1));
  });
  w.int32(0);
}
