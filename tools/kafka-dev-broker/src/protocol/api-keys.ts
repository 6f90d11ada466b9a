import { KAFKA_APIS } from './schema/kafka-messages';
import { inRange, MessageDef } from './schema/types';

export type ApiName = keyof typeof KAFKA_APIS;

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  OffsetDelete: 47,
  DescribeCluster: 60,
} as const;

export type ApiKeyNumber = (typeof ApiKey)[keyof typeof ApiKey];

export interface ApiRange {
  key: ApiKeyNumber;
  name: ApiName;
  min: number;
  max: number;
  request: MessageDef;
  response: MessageDef;
}

/**
 * The versions answered, the one place they are defined (the README's table is checked against it):
 * Apache Kafka 3.9's ranges (FindCoordinator without v6, which is for share groups). Produce 0–2 and
 * Fetch 0–3 carry the message formats before 0.11, converted to and from record batches as Kafka does
 * (`legacy.ts`). Message layouts, flexible versions included, come from Kafka's own definitions (`schema/`).
 */
const RANGES: Array<[ApiName, number, number]> = [
  ['Produce', 0, 11],
  ['Fetch', 0, 17],
  ['ListOffsets', 0, 9],
  ['Metadata', 0, 12],
  ['OffsetCommit', 0, 9],
  ['OffsetFetch', 0, 9],
  ['FindCoordinator', 0, 5],
  ['JoinGroup', 0, 9],
  ['Heartbeat', 0, 4],
  ['LeaveGroup', 0, 5],
  ['SyncGroup', 0, 5],
  ['DescribeGroups', 0, 5],
  ['ListGroups', 0, 5],
  ['ApiVersions', 0, 4],
  ['CreateTopics', 0, 7],
  ['DeleteTopics', 0, 6],
  ['DeleteRecords', 0, 2],
  ['InitProducerId', 0, 5],
  ['OffsetForLeaderEpoch', 0, 4],
  ['DescribeConfigs', 0, 4],
  ['AlterConfigs', 0, 2],
  ['CreatePartitions', 0, 3],
  ['DeleteGroups', 0, 2],
  ['IncrementalAlterConfigs', 0, 1],
  ['OffsetDelete', 0, 0],
  ['DescribeCluster', 0, 1],
];

export const supportedVersions: ReadonlyArray<ApiRange> = RANGES.map(([name, min, max]) => {
  const api = KAFKA_APIS[name];
  if (!inRange(api.request.valid, min) || !inRange(api.request.valid, max)) throw new Error(`${name} ${min}-${max} is outside Kafka's versions`);
  return { key: api.apiKey as ApiKeyNumber, name, min, max, request: api.request, response: api.response };
});

const byKey = new Map(supportedVersions.map((v) => [v.key as number, v]));

export function apiRange(key: number): ApiRange | undefined {
  return byKey.get(key);
}

export function isSupported(key: number, version: number): boolean {
  const range = byKey.get(key);
  return range !== undefined && version >= range.min && version <= range.max;
}

export function isKnownApi(key: number): boolean {
  return byKey.has(key);
}

/** Whether this request version uses request header v2 (and its response header v1, except ApiVersions' always v0). */
export function isFlexibleVersion(key: number, version: number): boolean {
  const range = byKey.get(key);
  return range !== undefined && inRange(range.request.flexible, version);
}

/** The README's table of versions, as markdown rows (a test keeps the README equal to it). */
export function versionTable(): string {
  const rows = supportedVersions.map((s) => {
    const flex = s.request.flexible !== null && s.request.flexible[0] <= s.max ? `${Math.max(s.request.flexible[0], s.min)}+` : '—';
    return `| ${s.name} | ${s.key} | ${s.min === s.max ? s.min : `${s.min}–${s.max}`} | ${flex} |`;
  });
  return ['| API | key | versions | flexible (KIP-482) |', '|---|---|---|---|', ...rows].join('\n');
}
