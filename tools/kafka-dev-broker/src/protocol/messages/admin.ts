import { Reader } from '../reader';
import { Writer } from '../writer';

export interface CreateTopicsRequest {
  topics: Array<{ name: string; numPartitions: number; replicationFactor: number; assignments: number; configs: Array<{ name: string; value: string | null }> }>;
  timeoutMs: number;
}

export function decodeCreateTopicsRequest(r: Reader): CreateTopicsRequest {
  const topics = r.array((r) => ({
    name: r.string(),
    numPartitions: r.int32(),
    replicationFactor: r.int16(),
    assignments: r.array((r) => ({ index: r.int32(), brokers: r.array((r) => r.int32()) })).length,
    configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
  }));
  return { topics, timeoutMs: r.int32() };
}

export function encodeTopicErrors(w: Writer, results: Array<{ name: string; error: number }>): void {
  w.array(results, (w, t) => w.string(t.name).int16(t.error));
}

export function decodeDeleteTopicsRequest(r: Reader): { names: string[]; timeoutMs: number } {
  return { names: r.array((r) => r.string()), timeoutMs: r.int32() };
}

export interface CreatePartitionsRequest {
  topics: Array<{ name: string; count: number }>;
  validateOnly: boolean;
}

export function decodeCreatePartitionsRequest(r: Reader): CreatePartitionsRequest {
  const topics = r.array((r) => {
    const name = r.string();
    const count = r.int32();
    r.nullableArray((r) => r.array((r) => r.int32()));
    return { name, count };
  });
  r.int32(); // timeout
  return { topics, validateOnly: r.bool() };
}

export function encodeCreatePartitionsResponse(w: Writer, results: Array<{ name: string; error: number; message: string | null }>): void {
  w.int32(0);
  w.array(results, (w, t) => w.string(t.name).int16(t.error).nullableString(t.message));
}

export interface DescribeConfigsRequest {
  resources: Array<{ type: number; name: string; keys: string[] | null }>;
}

export function decodeDescribeConfigsRequest(r: Reader): DescribeConfigsRequest {
  return { resources: r.array((r) => ({ type: r.int8(), name: r.string(), keys: r.nullableArray((r) => r.string()) })) };
}

export interface DescribeConfigsResult {
  error: number;
  message: string | null;
  type: number;
  name: string;
  configs: Array<{ name: string; value: string | null; readOnly: boolean; isDefault: boolean }>;
}

export function encodeDescribeConfigsResponse(w: Writer, results: DescribeConfigsResult[]): void {
  w.int32(0);
  w.array(results, (w, r) => {
    w.int16(r.error).nullableString(r.message).int8(r.type).string(r.name);
    w.array(r.configs, (w, c) => w.string(c.name).nullableString(c.value).bool(c.readOnly).bool(c.isDefault).bool(false));
  });
}

export function decodeInitProducerIdRequest(r: Reader): { transactionalId: string | null; timeoutMs: number } {
  return { transactionalId: r.nullableString(), timeoutMs: r.int32() };
}

export function encodeInitProducerIdResponse(w: Writer, res: { error: number; producerId: bigint; epoch: number }): void {
  w.int32(0).int16(res.error).int64(res.producerId).int16(res.epoch);
}
