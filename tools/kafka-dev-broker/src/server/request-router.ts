import * as fs from 'node:fs';
import * as path from 'node:path';
import { GroupCoordinator } from '../groups/group-coordinator';
import { PartitionLog } from '../log/partition-log';
import { isValidTopicName, TopicStore } from '../log/topic-store';
import { ApiKey, isSupported } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import * as admin from '../protocol/messages/admin';
import { encodeApiVersionsResponse } from '../protocol/messages/api-versions';
import { FetchPartitionResult, FetchRequest, decodeFetchRequest, encodeFetchResponse } from '../protocol/messages/fetch';
import * as groups from '../protocol/messages/groups';
import { RequestHeader } from '../protocol/messages/header';
import { decodeMetadataRequest, encodeMetadataResponse, MetadataResponse } from '../protocol/messages/metadata';
import * as offsets from '../protocol/messages/offsets';
import { decodeProduceRequest, encodeProduceResponse, ProduceResponse } from '../protocol/messages/produce';
import { Reader } from '../protocol/reader';
import { splitBatches } from '../protocol/record-batch';
import { Writer } from '../protocol/writer';
import { Logger } from './logger';

export interface Advertised {
  nodeId: number;
  host: string;
  port: number;
}

export interface RouterOptions {
  autoCreateTopics: boolean;
  maxMessageBytes: number;
  dataDir: string | null;
}

export type Outcome =
  | { kind: 'respond'; frame: Buffer | Buffer[] }
  | { kind: 'noResponse' }
  | { kind: 'wait'; frame: Promise<Buffer | Buffer[]> }
  | { kind: 'close'; reason: string };

const CLUSTER_ID = 'kafka-dev-broker';
/** Far beyond any development need; keeps one request from allocating without bound. */
const MAX_PARTITIONS_PER_TOPIC = 10000;

/** Decodes each request, applies it to the topic store or group coordinator and encodes the answer. */
export class RequestRouter {
  private nextProducerId: bigint;
  private readonly waitingFetches = new Set<() => void>();

  constructor(
    private readonly store: TopicStore,
    private readonly coordinator: GroupCoordinator,
    private readonly advertised: () => Advertised,
    private readonly options: RouterOptions,
    private readonly log: Logger,
  ) {
    this.nextProducerId = this.loadNextProducerId();
  }

  handle(header: RequestHeader, r: Reader, clientHost: string): Outcome {
    const { apiKey, apiVersion: v, correlationId } = header;
    const respond = (build: (w: Writer) => void, sizeHint?: number): Outcome => ({ kind: 'respond', frame: Writer.frame(correlationId, build, sizeHint) });
    if (apiKey === ApiKey.ApiVersions) {
      const known = isSupported(apiKey, v);
      return respond((w) => encodeApiVersionsResponse(w, known ? v : 0, known ? ErrorCode.None : ErrorCode.UnsupportedVersion));
    }
    if (!isSupported(apiKey, v)) return { kind: 'close', reason: `unsupported api key ${apiKey} version ${v}` };
    switch (apiKey) {
      case ApiKey.Metadata:
        return respond((w) => encodeMetadataResponse(w, v, this.metadata(decodeMetadataRequest(r, v))));
      case ApiKey.Produce: {
        const req = decodeProduceRequest(r);
        const res = this.produce(req.topics);
        return req.acks === 0 ? { kind: 'noResponse' } : respond((w) => encodeProduceResponse(w, res));
      }
      case ApiKey.Fetch:
        return this.fetch(decodeFetchRequest(r), correlationId);
      case ApiKey.ListOffsets:
        return respond((w) => offsets.encodeListOffsetsResponse(w, this.listOffsets(offsets.decodeListOffsetsRequest(r))));
      case ApiKey.OffsetCommit:
        return respond((w) => offsets.encodeOffsetCommitResponse(w, this.commit(offsets.decodeOffsetCommitRequest(r))));
      case ApiKey.OffsetFetch:
        return respond((w) => offsets.encodeOffsetFetchResponse(w, this.offsetFetch(offsets.decodeOffsetFetchRequest(r))));
      case ApiKey.FindCoordinator:
        groups.decodeFindCoordinatorRequest(r);
        return respond((w) => groups.encodeFindCoordinatorResponse(w, this.advertised()));
      case ApiKey.JoinGroup: {
        const req = groups.decodeJoinGroupRequest(r, v);
        const joined = this.coordinator.join({ ...req, clientId: header.clientId ?? '', clientHost });
        return { kind: 'wait', frame: joined.then((res) => Writer.frame(correlationId, (w) => groups.encodeJoinGroupResponse(w, res))) };
      }
      case ApiKey.SyncGroup: {
        const req = groups.decodeSyncGroupRequest(r);
        const synced = this.coordinator.sync(req.groupId, req.generationId, req.memberId, req.assignments);
        return { kind: 'wait', frame: synced.then((res) => Writer.frame(correlationId, (w) => groups.encodeSyncGroupResponse(w, res))) };
      }
      case ApiKey.Heartbeat: {
        const req = groups.decodeHeartbeatRequest(r);
        return respond((w) => groups.encodeErrorOnly(w, this.coordinator.heartbeat(req.groupId, req.generationId, req.memberId)));
      }
      case ApiKey.LeaveGroup: {
        const req = groups.decodeLeaveGroupRequest(r);
        return respond((w) => groups.encodeErrorOnly(w, this.coordinator.leave(req.groupId, req.memberId)));
      }
      case ApiKey.DescribeGroups: {
        const req = groups.decodeDescribeGroupsRequest(r);
        return respond((w) => groups.encodeDescribeGroupsResponse(w, req.groups.map((g) => this.coordinator.describe(g))));
      }
      case ApiKey.ListGroups:
        return respond((w) => groups.encodeListGroupsResponse(w, this.coordinator.list()));
      case ApiKey.CreateTopics:
        return respond((w) => admin.encodeTopicErrors(w, this.createTopics(admin.decodeCreateTopicsRequest(r))));
      case ApiKey.DeleteTopics:
        return respond((w) => admin.encodeTopicErrors(w, this.deleteTopics(admin.decodeDeleteTopicsRequest(r).names)));
      case ApiKey.CreatePartitions:
        return respond((w) => admin.encodeCreatePartitionsResponse(w, this.createPartitions(admin.decodeCreatePartitionsRequest(r))));
      case ApiKey.DescribeConfigs:
        return respond((w) => admin.encodeDescribeConfigsResponse(w, this.describeConfigs(admin.decodeDescribeConfigsRequest(r))));
      case ApiKey.InitProducerId:
        admin.decodeInitProducerIdRequest(r);
        return respond((w) => admin.encodeInitProducerIdResponse(w, { error: ErrorCode.None, producerId: this.allocateProducerId(), epoch: 0 }));
      default:
        return { kind: 'close', reason: `unhandled api key ${apiKey}` };
    }
  }

  /** Answers every long-polling fetch now, so no timer outlives the broker. */
  close(): void {
    for (const finish of [...this.waitingFetches]) finish();
  }

  private metadata(req: { topics: string[] | null; allowAutoTopicCreation: boolean }): MetadataResponse {
    const broker = this.advertised();
    const names = req.topics ?? this.store.names();
    const topics = names.map((name) => {
      let topic = this.store.get(name);
      if (!topic) {
        if (!isValidTopicName(name)) return { error: ErrorCode.InvalidTopic, name, partitions: [] };
        if (!req.allowAutoTopicCreation || !this.options.autoCreateTopics) return { error: ErrorCode.UnknownTopicOrPartition, name, partitions: [] };
        topic = this.store.create(name);
        this.log.debug(`topic ${name} auto-created with ${topic.partitions.length} partition(s)`);
      }
      return { error: ErrorCode.None, name, partitions: topic.partitions.map((p) => ({ error: ErrorCode.None, index: p.index })) };
    });
    return { broker, clusterId: CLUSTER_ID, topics };
  }

  private produce(topics: Array<{ name: string; partitions: Array<{ index: number; records: Buffer | null }> }>): ProduceResponse {
    return {
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const log = this.store.partition(t.name, p.index);
          if (!log) return { index: p.index, error: ErrorCode.UnknownTopicOrPartition, baseOffset: -1 };
          return { index: p.index, ...this.appendRecords(log, p.records) };
        }),
      })),
    };
  }

  /** Largest record batch a topic accepts: its `max.message.bytes`, else the broker's `message.max.bytes` (as in Kafka). */
  private maxMessageBytesOf(topicName: string): number {
    const configured = Number(this.store.get(topicName)?.configs.get('max.message.bytes') ?? NaN);
    return Number.isInteger(configured) && configured > 0 ? configured : this.options.maxMessageBytes;
  }

  private appendRecords(log: PartitionLog, records: Buffer | null): { error: number; baseOffset: number } {
    if (records === null || records.length === 0) return { error: ErrorCode.CorruptMessage, baseOffset: -1 };
    const split = splitBatches(records);
    if (!split.ok) {
      this.log.debug(`produce to ${log.topic}-${log.index} rejected: ${split.reason}`);
      return { error: ErrorCode.CorruptMessage, baseOffset: -1 };
    }
    const limit = this.maxMessageBytesOf(log.topic);
    for (const b of split.batches) if (b.buf.length > limit) return { error: ErrorCode.MessageTooLarge, baseOffset: -1 };
    let first = -1;
    for (const batch of split.batches) {
      const check = log.producers.check(batch);
      let offset: number;
      switch (check.kind) {
        case 'append':
          offset = log.append(batch);
          break;
        case 'duplicate':
          offset = check.baseOffset;
          this.log.debug(`produce to ${log.topic}-${log.index}: duplicate batch of producer ${batch.producerId} sequence ${batch.baseSequence}, answered with offset ${offset}`);
          break;
        case 'outOfOrder':
          return { error: ErrorCode.OutOfOrderSequenceNumber, baseOffset: -1 };
        case 'fencedEpoch':
          return { error: ErrorCode.InvalidProducerEpoch, baseOffset: -1 };
        default: {
          const never: never = check;
          throw new Error(`unexpected ${String(never)}`);
        }
      }
      if (first < 0) first = offset;
    }
    return { error: ErrorCode.None, baseOffset: first };
  }

  private fetch(req: FetchRequest, correlationId: number): Outcome {
    const collect = () => this.collectFetch(req);
    const encode = (c: ReturnType<typeof collect>) => Writer.framePieces(correlationId, (w) => encodeFetchResponse(w, { topics: c.topics }), 256 + 64 * c.partitions);
    const first = collect();
    if (first.bytes >= req.minBytes || req.maxWaitMs <= 0 || first.hasError) return { kind: 'respond', frame: encode(first) };
    const logs = req.topics.flatMap((t) => t.partitions.map((p) => this.store.partition(t.name, p.index))).filter((l): l is PartitionLog => l !== undefined);
    return {
      kind: 'wait',
      frame: new Promise<Buffer[]>((resolve) => {
        let done = false;
        const finish = (c = collect()) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          this.waitingFetches.delete(finish);
          for (const l of logs) l.removeWaiter(onAppend);
          resolve(encode(c));
        };
        const onAppend = () => {
          if (done) return;
          const c = collect();
          if (c.bytes >= req.minBytes) finish(c);
          else for (const l of logs) l.addWaiter(onAppend);
        };
        const timer = setTimeout(() => finish(), req.maxWaitMs);
        this.waitingFetches.add(finish);
        for (const l of logs) l.addWaiter(onAppend);
      }),
    };
  }

  private collectFetch(req: FetchRequest): { topics: Array<{ name: string; partitions: FetchPartitionResult[] }>; bytes: number; partitions: number; hasError: boolean } {
    let bytes = 0;
    let partitions = 0;
    let hasError = false;
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): FetchPartitionResult => {
        partitions++;
        const log = this.store.partition(t.name, p.index);
        if (!log) {
          hasError = true;
          return { index: p.index, error: ErrorCode.UnknownTopicOrPartition, highWatermark: -1, chunks: [], size: 0 };
        }
        const hw = log.highWatermark;
        if (p.fetchOffset < log.logStartOffset || p.fetchOffset > hw) {
          hasError = true;
          return { index: p.index, error: ErrorCode.OffsetOutOfRange, highWatermark: hw, chunks: [], size: 0 };
        }
        // The first batch of the response goes out whole whatever the limits, so a client always progresses.
        const budget = Math.min(p.maxBytes, req.maxBytes - bytes);
        if (p.fetchOffset === hw || (bytes > 0 && budget <= 0)) return { index: p.index, error: ErrorCode.None, highWatermark: hw, chunks: [], size: 0 };
        const read = log.read(p.fetchOffset, budget);
        if (bytes > 0 && read.size > budget) return { index: p.index, error: ErrorCode.None, highWatermark: hw, chunks: [], size: 0 };
        bytes += read.size;
        return { index: p.index, error: ErrorCode.None, highWatermark: hw, chunks: read.chunks, size: read.size };
      }),
    }));
    return { topics, bytes, partitions, hasError };
  }

  private listOffsets(req: offsets.ListOffsetsRequest): offsets.ListOffsetsResponse {
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const log = this.store.partition(t.name, p.index);
          if (!log) return { index: p.index, error: ErrorCode.UnknownTopicOrPartition, timestamp: -1, offset: -1 };
          if (p.timestamp === -1) return { index: p.index, error: ErrorCode.None, timestamp: -1, offset: log.highWatermark };
          if (p.timestamp === -2) return { index: p.index, error: ErrorCode.None, timestamp: -1, offset: log.logStartOffset };
          const offset = log.offsetForTimestamp(p.timestamp);
          return { index: p.index, error: ErrorCode.None, timestamp: offset < 0 ? -1 : p.timestamp, offset };
        }),
      })),
    };
  }

  private commit(req: offsets.OffsetCommitRequest): offsets.TopicPartitionErrors {
    const allowed = this.coordinator.commitAllowed(req.groupId, req.generationId, req.memberId);
    const entries: Array<{ topic: string; partition: number; offset: number; metadata: string | null }> = [];
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (allowed !== ErrorCode.None) return { index: p.index, error: allowed };
        if (!this.store.partition(t.name, p.index)) return { index: p.index, error: ErrorCode.UnknownTopicOrPartition };
        entries.push({ topic: t.name, partition: p.index, offset: p.offset, metadata: p.metadata });
        return { index: p.index, error: ErrorCode.None };
      }),
    }));
    if (entries.length > 0) this.coordinator.offsets.commit(req.groupId, entries);
    return { topics };
  }

  private offsetFetch(req: offsets.OffsetFetchRequest): offsets.OffsetFetchResponse {
    const wanted = req.topics ?? this.coordinator.offsets.topicsOf(req.groupId).map((t) => ({ name: t.topic, partitions: t.partitions }));
    return {
      topics: wanted.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((index) => {
          const c = this.coordinator.offsets.get(req.groupId, t.name, index);
          return { index, offset: c?.offset ?? -1, metadata: c?.metadata ?? '', error: ErrorCode.None };
        }),
      })),
    };
  }

  private createTopics(req: admin.CreateTopicsRequest): Array<{ name: string; error: number }> {
    return req.topics.map((t) => {
      if (!isValidTopicName(t.name)) return { name: t.name, error: ErrorCode.InvalidTopic };
      if (this.store.get(t.name)) return { name: t.name, error: ErrorCode.TopicAlreadyExists };
      const partitions = t.numPartitions === -1 ? this.store.defaultPartitions : t.numPartitions;
      if (t.assignments > 0) return { name: t.name, error: ErrorCode.InvalidRequest };
      if (partitions < 1 || partitions > MAX_PARTITIONS_PER_TOPIC) return { name: t.name, error: ErrorCode.InvalidPartitions };
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) return { name: t.name, error: ErrorCode.InvalidReplicationFactor };
      this.store.create(t.name, partitions, new Map(t.configs.map((c) => [c.name, c.value])));
      this.log.debug(`topic ${t.name} created with ${partitions} partition(s)`);
      return { name: t.name, error: ErrorCode.None };
    });
  }

  private deleteTopics(names: string[]): Array<{ name: string; error: number }> {
    return names.map((name) => {
      const deleted = this.store.delete(name);
      if (deleted) {
        this.coordinator.offsets.deleteTopic(name);
        this.log.debug(`topic ${name} deleted`);
      }
      return { name, error: deleted ? ErrorCode.None : ErrorCode.UnknownTopicOrPartition };
    });
  }

  private createPartitions(req: admin.CreatePartitionsRequest): Array<{ name: string; error: number; message: string | null }> {
    return req.topics.map((t) => {
      const topic = this.store.get(t.name);
      if (!topic) return { name: t.name, error: ErrorCode.UnknownTopicOrPartition, message: null };
      if (t.count <= topic.partitions.length) {
        return { name: t.name, error: ErrorCode.InvalidPartitions, message: `Topic currently has ${topic.partitions.length} partitions, ${t.count} would not be an increase.` };
      }
      if (t.count > MAX_PARTITIONS_PER_TOPIC) {
        return { name: t.name, error: ErrorCode.InvalidPartitions, message: `At most ${MAX_PARTITIONS_PER_TOPIC} partitions per topic.` };
      }
      if (!req.validateOnly) this.store.addPartitions(topic, t.count);
      return { name: t.name, error: ErrorCode.None, message: null };
    });
  }

  private describeConfigs(req: admin.DescribeConfigsRequest): admin.DescribeConfigsResult[] {
    const TOPIC = 2;
    const BROKER = 4;
    return req.resources.map((res) => {
      let entries: Array<{ name: string; value: string | null; isDefault: boolean }>;
      if (res.type === TOPIC) {
        const topic = this.store.get(res.name);
        if (!topic) return { error: ErrorCode.UnknownTopicOrPartition, message: `topic ${res.name} does not exist`, type: res.type, name: res.name, configs: [] };
        const defaults: Record<string, string> = { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'compression.type': 'producer', 'max.message.bytes': String(this.options.maxMessageBytes) };
        const names = new Set([...Object.keys(defaults), ...topic.configs.keys()]);
        entries = [...names].map((name) =>
          topic.configs.has(name) ? { name, value: topic.configs.get(name) ?? null, isDefault: false } : { name, value: defaults[name], isDefault: true },
        );
      } else if (res.type === BROKER) {
        entries = [
          { name: 'num.partitions', value: String(this.store.defaultPartitions), isDefault: false },
          { name: 'auto.create.topics.enable', value: String(this.options.autoCreateTopics), isDefault: false },
          { name: 'message.max.bytes', value: String(this.options.maxMessageBytes), isDefault: false },
        ];
      } else {
        return { error: ErrorCode.InvalidRequest, message: `resource type ${res.type} is not supported`, type: res.type, name: res.name, configs: [] };
      }
      const keys = res.keys;
      const configs = entries.filter((e) => keys === null || keys.includes(e.name)).map((e) => ({ ...e, readOnly: res.type === BROKER }));
      return { error: ErrorCode.None, message: null, type: res.type, name: res.name, configs };
    });
  }

  private allocateProducerId(): bigint {
    const id = this.nextProducerId++;
    if (this.options.dataDir !== null) {
      fs.writeFileSync(path.join(this.options.dataDir, 'producer-ids.json'), JSON.stringify({ next: this.nextProducerId.toString() }));
    }
    return id;
  }

  private loadNextProducerId(): bigint {
    let next = this.store.maxProducerId() + 1n;
    if (this.options.dataDir !== null) {
      const file = path.join(this.options.dataDir, 'producer-ids.json');
      if (fs.existsSync(file)) {
        try {
          const saved = BigInt((JSON.parse(fs.readFileSync(file, 'utf8')) as { next: string }).next);
          if (saved > next) next = saved;
        } catch {
          // unreadable counter: the logs' highest producer id still keeps ids unique
        }
      }
    }
    return next < 1000n ? 1000n : next;
  }
}
