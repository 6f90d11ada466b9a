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
  InitProducerId: 22,
  DescribeConfigs: 32,
  CreatePartitions: 37,
} as const;

export type ApiKeyNumber = (typeof ApiKey)[keyof typeof ApiKey];

/**
 * Versions answered. None of them uses flexible encodings; kafkajs picks min(its max, ours), so
 * every max here is at least kafkajs's lowest version of that API.
 */
export const supportedVersions: ReadonlyArray<{ key: ApiKeyNumber; min: number; max: number }> = [
  { key: ApiKey.Produce, min: 3, max: 3 },
  { key: ApiKey.Fetch, min: 4, max: 4 },
  { key: ApiKey.ListOffsets, min: 1, max: 1 },
  { key: ApiKey.Metadata, min: 0, max: 4 },
  { key: ApiKey.OffsetCommit, min: 2, max: 2 },
  { key: ApiKey.OffsetFetch, min: 1, max: 1 },
  { key: ApiKey.FindCoordinator, min: 0, max: 0 },
  { key: ApiKey.JoinGroup, min: 0, max: 1 },
  { key: ApiKey.Heartbeat, min: 0, max: 0 },
  { key: ApiKey.LeaveGroup, min: 0, max: 0 },
  { key: ApiKey.SyncGroup, min: 0, max: 0 },
  { key: ApiKey.DescribeGroups, min: 0, max: 0 },
  { key: ApiKey.ListGroups, min: 0, max: 0 },
  { key: ApiKey.ApiVersions, min: 0, max: 2 },
  { key: ApiKey.CreateTopics, min: 0, max: 0 },
  { key: ApiKey.DeleteTopics, min: 0, max: 0 },
  { key: ApiKey.InitProducerId, min: 0, max: 0 },
  { key: ApiKey.DescribeConfigs, min: 0, max: 0 },
  { key: ApiKey.CreatePartitions, min: 0, max: 0 },
];

const byKey = new Map(supportedVersions.map((v) => [v.key as number, v]));

export function isSupported(key: number, version: number): boolean {
  const range = byKey.get(key);
  return range !== undefined && version >= range.min && version <= range.max;
}

export function isKnownApi(key: number): boolean {
  return byKey.has(key);
}
