import { Reader } from '../reader';
import { Writer } from '../writer';

export interface MetadataRequest {
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

export function decodeMetadataRequest(r: Reader, version: number): MetadataRequest {
  const topics = r.nullableArray((r) => r.string());
  const allowAutoTopicCreation = version >= 4 ? r.bool() : true;
  // v0 has no null: an empty list means every topic.
  return { topics: version === 0 && topics !== null && topics.length === 0 ? null : topics, allowAutoTopicCreation };
}

export interface MetadataResponse {
  broker: { nodeId: number; host: string; port: number };
  clusterId: string;
  topics: Array<{ error: number; name: string; partitions: Array<{ error: number; index: number }> }>;
}

export function encodeMetadataResponse(w: Writer, version: number, res: MetadataResponse): void {
  if (version >= 3) w.int32(0);
  w.array([res.broker], (w, b) => {
    w.int32(b.nodeId).string(b.host).int32(b.port);
    if (version >= 1) w.nullableString(null);
  });
  if (version >= 2) w.nullableString(res.clusterId);
  if (version >= 1) w.int32(res.broker.nodeId);
  w.array(res.topics, (w, t) => {
    w.int16(t.error).string(t.name);
    if (version >= 1) w.bool(false);
    w.array(t.partitions, (w, p) => {
      w.int16(p.error).int32(p.index).int32(res.broker.nodeId);
      w.array([res.broker.nodeId], (w, id) => w.int32(id));
      w.array([res.broker.nodeId], (w, id) => w.int32(id));
    });
  });
}
