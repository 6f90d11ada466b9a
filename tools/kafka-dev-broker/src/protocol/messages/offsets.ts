import { Reader } from '../reader';
import { Writer } from '../writer';

export interface ListOffsetsRequest {
  topics: Array<{ name: string; partitions: Array<{ index: number; timestamp: number }> }>;
}

export function decodeListOffsetsRequest(r: Reader): ListOffsetsRequest {
  r.int32(); // replica id
  return { topics: r.array((r) => ({ name: r.string(), partitions: r.array((r) => ({ index: r.int32(), timestamp: r.int64n() })) })) };
}

export interface ListOffsetsResponse {
  topics: Array<{ name: string; partitions: Array<{ index: number; error: number; timestamp: number; offset: number }> }>;
}

export function encodeListOffsetsResponse(w: Writer, res: ListOffsetsResponse): void {
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => w.int32(p.index).int16(p.error).int64(p.timestamp).int64(p.offset));
  });
}

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  topics: Array<{ name: string; partitions: Array<{ index: number; offset: number; metadata: string | null }> }>;
}

export function decodeOffsetCommitRequest(r: Reader): OffsetCommitRequest {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  r.int64(); // retention time: offsets are kept forever here
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({ index: r.int32(), offset: r.int64n(), metadata: r.nullableString() })),
  }));
  return { groupId, generationId, memberId, topics };
}

export interface TopicPartitionErrors {
  topics: Array<{ name: string; partitions: Array<{ index: number; error: number }> }>;
}

export function encodeOffsetCommitResponse(w: Writer, res: TopicPartitionErrors): void {
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => w.int32(p.index).int16(p.error));
  });
}

export interface OffsetFetchRequest {
  groupId: string;
  topics: Array<{ name: string; partitions: number[] }> | null;
}

export function decodeOffsetFetchRequest(r: Reader): OffsetFetchRequest {
  return { groupId: r.string(), topics: r.nullableArray((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) })) };
}

export interface OffsetFetchResponse {
  topics: Array<{ name: string; partitions: Array<{ index: number; offset: number; metadata: string | null; error: number }> }>;
}

export function encodeOffsetFetchResponse(w: Writer, res: OffsetFetchResponse): void {
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => w.int32(p.index).int64(p.offset).nullableString(p.metadata).int16(p.error));
  });
}
