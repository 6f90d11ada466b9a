import * as fs from 'node:fs';
import * as path from 'node:path';
import { GroupCoordinator } from '../groups/group-coordinator';
import { BrokerConfigs, ConfigSource, ResourceType, TOPIC_CONFIGS, validateTopicConfig } from '../log/configs';
import { PartitionLog } from '../log/partition-log';
import { isValidTopicName, Topic, TopicStore } from '../log/topic-store';
import { ApiKey, apiRange, isFlexibleVersion, isSupported, supportedVersions } from '../protocol/api-keys';
import { ErrorCode } from '../protocol/error-codes';
import { RequestHeader } from '../protocol/header';
import * as m from '../protocol/messages';
import { Reader } from '../protocol/reader';
import { downConvert, isLegacyMessageSet, upConvert } from '../protocol/legacy';
import { splitBatches } from '../protocol/record-batch';
import { Compression, compressionOf } from '../protocol/records';
import { decodeMessage, encodeMessage, ZERO_UUID } from '../protocol/schema/codec';
import { Writer } from '../protocol/writer';
import { Logger } from './logger';

export interface Advertised {
  nodeId: number;
  host: string;
  port: number;
}

export interface RouterOptions {
  autoCreateTopics: boolean;
  dataDir: string | null;
  /** Creates `__consumer_offsets` if it does not exist yet (on the first group request, as Kafka). */
  ensureOffsetsTopic: () => void;
}

export type Outcome =
  | { kind: 'respond'; frame: Buffer | Buffer[] }
  | { kind: 'noResponse' }
  | { kind: 'wait'; frame: Promise<Buffer | Buffer[]> }
  | { kind: 'close'; reason: string };

export const CLUSTER_ID = 'kafka-dev-broker';
/** Far beyond any development need; keeps one request from allocating without bound. */
const MAX_PARTITIONS_PER_TOPIC = 10000;
const NODE_ID = 0;
/** The one leader epoch of every partition of this single node. */
const LEADER_EPOCH = 0;

type Respond = (msg: object) => Outcome;

/** Decodes each request by its version's definition, applies it and encodes the answer in the same version. */
export class RequestRouter {
  private nextProducerId: bigint;
  private readonly waitingFetches = new Set<() => void>();

  constructor(
    private readonly store: TopicStore,
    private readonly coordinator: GroupCoordinator,
    private readonly configs: BrokerConfigs,
    private readonly advertised: () => Advertised,
    private readonly options: RouterOptions,
    private readonly log: Logger,
  ) {
    this.nextProducerId = this.loadNextProducerId();
  }

  handle(header: RequestHeader, r: Reader, clientHost: string): Outcome {
    const { apiKey, apiVersion: v, correlationId } = header;
    const range = apiRange(apiKey);
    if (apiKey === ApiKey.ApiVersions) {
      // The answer's header is v0 in every version (KIP-511), and an unknown version gets the v0 layout.
      const known = isSupported(apiKey, v);
      const body = {
        errorCode: known ? ErrorCode.None : ErrorCode.UnsupportedVersion,
        apiKeys: supportedVersions.map((s) => ({ apiKey: s.key, minVersion: s.min, maxVersion: s.max })),
        throttleTimeMs: 0,
      };
      return { kind: 'respond', frame: Writer.frame(correlationId, (w) => encodeMessage((range as NonNullable<typeof range>).response, known ? v : 0, w, body)) };
    }
    if (range === undefined || !isSupported(apiKey, v)) return { kind: 'close', reason: `unsupported api key ${apiKey} version ${v}` };
    const flexible = isFlexibleVersion(apiKey, v);
    if (flexible) r.skipTaggedFields();
    const req = decodeMessage<unknown>(range.request, v, r);
    const encode = (msg: object) => Writer.frame(correlationId, (w) => encodeMessage(range.response, v, w, msg), 256, flexible);
    const respond: Respond = (msg) => ({ kind: 'respond', frame: encode(msg) });
    const wait = (p: Promise<object>): Outcome => ({ kind: 'wait', frame: p.then(encode) });
    switch (apiKey) {
      case ApiKey.Metadata:
        return respond(this.metadata(req as m.MetadataRequest, v));
      case ApiKey.Produce: {
        const produce = req as m.ProduceRequest;
        const res = this.produce(produce, v);
        return produce.acks === 0 ? { kind: 'noResponse' } : respond(res);
      }
      case ApiKey.Fetch:
        return this.fetch(req as m.FetchRequest, v, (msg, hint) => Writer.framePieces(correlationId, (w) => encodeMessage(range.response, v, w, msg), hint, flexible));
      case ApiKey.ListOffsets:
        return respond(this.listOffsets(req as m.ListOffsetsRequest, v));
      case ApiKey.OffsetCommit:
        return respond(this.commit(req as m.OffsetCommitRequest));
      case ApiKey.OffsetFetch:
        return respond(this.offsetFetch(req as m.OffsetFetchRequest, v));
      case ApiKey.FindCoordinator: {
        const fc = req as m.FindCoordinatorRequest;
        this.options.ensureOffsetsTopic();
        const b = this.advertised();
        const keys = v >= 4 ? fc.coordinatorKeys : [fc.key];
        const coordinators = keys.map((key) => ({ key, nodeId: b.nodeId, host: b.host, port: b.port, errorCode: ErrorCode.None, errorMessage: null }));
        return respond({ errorCode: ErrorCode.None, errorMessage: null, nodeId: b.nodeId, host: b.host, port: b.port, coordinators });
      }
      case ApiKey.JoinGroup: {
        const jg = req as m.JoinGroupRequest;
        const joined = this.coordinator.join({
          groupId: jg.groupId,
          sessionTimeoutMs: jg.sessionTimeoutMs,
          rebalanceTimeoutMs: jg.rebalanceTimeoutMs < 0 ? jg.sessionTimeoutMs : jg.rebalanceTimeoutMs,
          memberId: jg.memberId,
          protocolType: jg.protocolType,
          protocols: jg.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          clientId: header.clientId ?? '',
          clientHost,
        });
        return wait(
          joined.then((res) => ({
            errorCode: res.error,
            generationId: res.generationId,
            protocolType: res.error === ErrorCode.None ? jg.protocolType : null,
            protocolName: v >= 7 && res.error !== ErrorCode.None ? null : res.protocolName,
            leader: res.leader,
            memberId: res.memberId,
            members: res.members.map((mm) => ({ memberId: mm.memberId, groupInstanceId: null, metadata: mm.metadata })),
          })),
        );
      }
      case ApiKey.SyncGroup: {
        const sg = req as m.SyncGroupRequest;
        const assignments = sg.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) }));
        const synced = this.coordinator.sync(sg.groupId, sg.generationId, sg.memberId, assignments);
        return wait(
          synced.then((res) => {
            const g = this.coordinator.describe(sg.groupId);
            return { errorCode: res.error, protocolType: g.protocolType || null, protocolName: g.protocol || null, assignment: res.assignment };
          }),
        );
      }
      case ApiKey.Heartbeat: {
        const hb = req as m.HeartbeatRequest;
        return respond({ errorCode: this.coordinator.heartbeat(hb.groupId, hb.generationId, hb.memberId) });
      }
      case ApiKey.LeaveGroup: {
        const lg = req as m.LeaveGroupRequest;
        if (v < 3) return respond({ errorCode: this.coordinator.leave(lg.groupId, lg.memberId) });
        const members = lg.members.map((mm) => ({ memberId: mm.memberId, groupInstanceId: mm.groupInstanceId, errorCode: this.coordinator.leave(lg.groupId, mm.memberId) }));
        return respond({ errorCode: ErrorCode.None, members });
      }
      case ApiKey.DescribeGroups: {
        const dg = req as { groups: string[] };
        return respond({
          groups: dg.groups.map((id) => {
            const g = this.coordinator.describe(id);
            return {
              errorCode: ErrorCode.None,
              groupId: g.groupId,
              groupState: g.state,
              protocolType: g.protocolType,
              protocolData: g.protocol,
              members: g.members.map((mm) => ({ memberId: mm.memberId, groupInstanceId: null, clientId: mm.clientId, clientHost: mm.clientHost, memberMetadata: mm.metadata, memberAssignment: mm.assignment })),
            };
          }),
        });
      }
      case ApiKey.ListGroups: {
        const lg = req as { statesFilter: string[]; typesFilter: string[] };
        const states = lg.statesFilter.map((s) => s.toLowerCase());
        const types = lg.typesFilter.map((s) => s.toLowerCase());
        const groups = this.coordinator
          .list()
          .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: this.coordinator.describe(g.groupId).state, groupType: 'classic' }))
          .filter((g) => (states.length === 0 || states.includes(g.groupState.toLowerCase())) && (types.length === 0 || types.includes('classic')));
        return respond({ errorCode: ErrorCode.None, groups });
      }
      case ApiKey.CreateTopics:
        return respond(this.createTopics(req as m.CreateTopicsRequest, v));
      case ApiKey.DeleteTopics:
        return respond(this.deleteTopics(req as m.DeleteTopicsRequest, v));
      case ApiKey.DeleteRecords:
        return respond(this.deleteRecords(req as m.DeleteRecordsRequest));
      case ApiKey.CreatePartitions:
        return respond(this.createPartitions(req as m.CreatePartitionsRequest));
      case ApiKey.DescribeConfigs:
        return respond(this.describeConfigs(req as m.DescribeConfigsRequest, v));
      case ApiKey.AlterConfigs:
        return respond(this.alterConfigs(req as m.AlterConfigsRequest));
      case ApiKey.IncrementalAlterConfigs:
        return respond(this.incrementalAlterConfigs(req as m.IncrementalAlterConfigsRequest));
      case ApiKey.InitProducerId: {
        const ip = req as m.InitProducerIdRequest;
        if (ip.transactionalId !== null) return respond({ errorCode: ErrorCode.InvalidRequest, producerId: -1, producerEpoch: -1 });
        // KIP-360: a producer that already has an id may bump its epoch.
        if (ip.producerId >= 0 && ip.producerEpoch >= 0 && ip.producerEpoch < 32767) return respond({ errorCode: ErrorCode.None, producerId: ip.producerId, producerEpoch: ip.producerEpoch + 1 });
        return respond({ errorCode: ErrorCode.None, producerId: this.allocateProducerId(), producerEpoch: 0 });
      }
      case ApiKey.OffsetForLeaderEpoch: {
        const oe = req as m.OffsetForLeaderEpochRequest;
        return respond({
          topics: oe.topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions.map((p) => {
              const log = this.store.partition(t.topic, p.partition);
              if (!log) return { errorCode: ErrorCode.UnknownTopicOrPartition, partition: p.partition, leaderEpoch: -1, endOffset: -1 };
              return { errorCode: ErrorCode.None, partition: p.partition, leaderEpoch: LEADER_EPOCH, endOffset: log.highWatermark };
            }),
          })),
        });
      }
      case ApiKey.DeleteGroups: {
        const dg = req as { groupsNames: string[] };
        return respond({ results: dg.groupsNames.map((groupId) => ({ groupId, errorCode: this.coordinator.deleteGroup(groupId) })) });
      }
      case ApiKey.OffsetDelete:
        return respond(this.offsetDelete(req as m.OffsetDeleteRequest));
      case ApiKey.DescribeCluster: {
        const b = this.advertised();
        return respond({ errorCode: ErrorCode.None, clusterId: CLUSTER_ID, controllerId: b.nodeId, brokers: [{ brokerId: b.nodeId, host: b.host, port: b.port, rack: null }] });
      }
      default:
        return { kind: 'close', reason: `unhandled api key ${apiKey}` };
    }
  }

  /** Answers every long-polling fetch now, so no timer outlives the broker. */
  close(): void {
    for (const finish of [...this.waitingFetches]) finish();
  }

  private partitionsOf(topic: Topic) {
    return topic.partitions.map((p) => ({
      errorCode: ErrorCode.None,
      partitionIndex: p.index,
      leaderId: NODE_ID,
      leaderEpoch: LEADER_EPOCH,
      replicaNodes: [NODE_ID],
      isrNodes: [NODE_ID],
      offlineReplicas: [],
    }));
  }

  private metadata(req: m.MetadataRequest, v: number): m.MetadataResponse {
    const broker = this.advertised();
    // v0 has no null: an empty list means every topic.
    const wanted = req.topics === null || (v === 0 && req.topics.length === 0) ? null : req.topics;
    const topics: m.MetadataResponse['topics'] = [];
    if (wanted === null) {
      for (const t of this.store.all()) topics.push({ errorCode: ErrorCode.None, name: t.name, topicId: t.id, isInternal: t.internal, partitions: this.partitionsOf(t) });
    } else {
      for (const w of wanted) {
        if (w.name === null || w.name === undefined) {
          const t = this.store.byId(w.topicId);
          if (!t) topics.push({ errorCode: ErrorCode.UnknownTopicId, name: null, topicId: w.topicId, isInternal: false, partitions: [] });
          else topics.push({ errorCode: ErrorCode.None, name: t.name, topicId: t.id, isInternal: t.internal, partitions: this.partitionsOf(t) });
          continue;
        }
        const name = w.name;
        let topic = this.store.get(name);
        if (!topic) {
          if (!isValidTopicName(name)) {
            topics.push({ errorCode: ErrorCode.InvalidTopic, name, topicId: ZERO_UUID, isInternal: false, partitions: [] });
            continue;
          }
          if (!req.allowAutoTopicCreation || !this.autoCreateEnabled()) {
            topics.push({ errorCode: ErrorCode.UnknownTopicOrPartition, name, topicId: ZERO_UUID, isInternal: false, partitions: [] });
            continue;
          }
          topic = this.store.create(name, this.store.defaultPartitions);
          this.log.debug(`topic ${name} auto-created with ${topic.partitions.length} partition(s)`);
        }
        topics.push({ errorCode: ErrorCode.None, name, topicId: topic.id, isInternal: topic.internal, partitions: this.partitionsOf(topic) });
      }
    }
    return { brokers: [{ nodeId: broker.nodeId, host: broker.host, port: broker.port, rack: null }], clusterId: CLUSTER_ID, controllerId: broker.nodeId, topics };
  }

  private autoCreateEnabled(): boolean {
    return this.options.autoCreateTopics;
  }

  private produce(req: m.ProduceRequest, v: number): m.ProduceResponse {
    return {
      responses: req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p): m.ProducePartitionResponse => {
          const topic = this.store.get(t.name);
          const log = topic?.partitions[p.index];
          if (!topic || !log) return { index: p.index, errorCode: ErrorCode.UnknownTopicOrPartition, baseOffset: -1 };
          if (topic.internal) return { index: p.index, errorCode: ErrorCode.InvalidTopic, baseOffset: -1, errorMessage: `${t.name} is an internal topic` };
          const res = this.appendRecords(topic, log, p.records, v);
          return { index: p.index, errorCode: res.error, baseOffset: res.baseOffset, logAppendTimeMs: -1, logStartOffset: log.logStartOffset, errorMessage: res.message ?? null };
        }),
      })),
    };
  }

  /** Largest record batch a topic accepts: its `max.message.bytes`, else the broker's `message.max.bytes` (as in Kafka). */
  private maxMessageBytesOf(topic: Topic): number {
    const configured = this.configs.topicNumber(topic.configs, 'max.message.bytes');
    return Number.isInteger(configured) && configured > 0 ? configured : 1048588;
  }

  private appendRecords(topic: Topic, log: PartitionLog, recordsIn: Buffer | null, v: number): { error: number; baseOffset: number; message?: string } {
    let records = recordsIn;
    if (records === null || records.length === 0) return { error: ErrorCode.CorruptMessage, baseOffset: -1 };
    if (isLegacyMessageSet(records)) {
      // Produce v0-2 carries message format 0/1: converted up to a record batch, as Kafka does.
      if (v >= 3) return { error: ErrorCode.CorruptMessage, baseOffset: -1, message: 'Produce v3 and later carry record batches (magic 2) only' };
      try {
        records = upConvert(records);
      } catch (e) {
        return { error: ErrorCode.CorruptMessage, baseOffset: -1, message: (e as Error).message };
      }
    }
    const split = splitBatches(records);
    if (!split.ok) {
      this.log.debug(`produce to ${log.topic}-${log.index} rejected: ${split.reason}`);
      return { error: ErrorCode.CorruptMessage, baseOffset: -1, message: split.reason };
    }
    const limit = this.maxMessageBytesOf(topic);
    for (const b of split.batches) {
      if (b.buf.length > limit) return { error: ErrorCode.MessageTooLarge, baseOffset: -1 };
      const codec = compressionOf(b.buf);
      if (codec > Compression.Zstd) return { error: ErrorCode.CorruptMessage, baseOffset: -1, message: `unknown compression codec ${codec}` };
      // As Kafka: zstd needs Produce v7 (KIP-110).
      if (codec === Compression.Zstd && v < 7) return { error: ErrorCode.UnsupportedCompressionType, baseOffset: -1, message: 'zstd needs Produce v7 or later' };
    }
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

  private fetch(req: m.FetchRequest, v: number, encode: (msg: m.FetchResponse, sizeHint: number) => Buffer[]): Outcome {
    const byId = v >= 13;
    const resolved = req.topics.map((t) => ({ t, topic: byId ? this.store.byId(t.topicId) : this.store.get(t.topic) }));
    const collect = () => this.collectFetch(req, resolved, byId, v);
    const frame = (c: ReturnType<typeof collect>) => encode({ errorCode: ErrorCode.None, sessionId: 0, responses: c.responses }, 256 + 64 * c.partitions);
    const first = collect();
    if (first.bytes >= req.minBytes || req.maxWaitMs <= 0 || first.hasError) return { kind: 'respond', frame: frame(first) };
    const logs = resolved.flatMap(({ t, topic }) => t.partitions.map((p) => topic?.partitions[p.partition])).filter((l): l is PartitionLog => l !== undefined);
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
          resolve(frame(c));
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

  private collectFetch(
    req: m.FetchRequest,
    resolved: Array<{ t: m.FetchRequest['topics'][number]; topic: Topic | undefined }>,
    byId: boolean,
    version: number,
  ): { responses: m.FetchResponse['responses']; bytes: number; partitions: number; hasError: boolean } {
    let bytes = 0;
    let partitions = 0;
    let hasError = false;
    const legacyMagic: 0 | 1 | null = version >= 4 ? null : version >= 2 ? 1 : 0;
    const empty = (index: number, errorCode: number, hw = -1, start = -1): m.FetchPartitionData => ({
      partitionIndex: index,
      errorCode,
      highWatermark: hw,
      lastStableOffset: hw,
      logStartOffset: start,
      abortedTransactions: null,
      records: { chunks: [], size: 0 },
    });
    const responses = resolved.map(({ t, topic }) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p): m.FetchPartitionData => {
        partitions++;
        const log = topic?.partitions[p.partition];
        if (!log) {
          hasError = true;
          return empty(p.partition, byId && !topic ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition);
        }
        const hw = log.highWatermark;
        const start = log.logStartOffset;
        if (p.fetchOffset < start || p.fetchOffset > hw) {
          hasError = true;
          return empty(p.partition, ErrorCode.OffsetOutOfRange, hw, start);
        }
        // The first batch of the response goes out whole whatever the limits, so a client always progresses.
        const budget = Math.min(p.partitionMaxBytes, req.maxBytes - bytes);
        if (p.fetchOffset === hw || (bytes > 0 && budget <= 0)) return { ...empty(p.partition, ErrorCode.None, hw, start), records: { chunks: [], size: 0 } };
        const read = log.read(p.fetchOffset, budget);
        if (bytes > 0 && read.size > budget) return { ...empty(p.partition, ErrorCode.None, hw, start), records: { chunks: [], size: 0 } };
        bytes += read.size;
        if (legacyMagic !== null) {
          // Fetch v0-3 reads message format 0/1: the batches are converted down, as Kafka does.
          const converted = downConvert(Buffer.concat(read.chunks), legacyMagic);
          return { ...empty(p.partition, ErrorCode.None, hw, start), records: { chunks: [converted], size: converted.length } };
        }
        return { ...empty(p.partition, ErrorCode.None, hw, start), records: read };
      }),
    }));
    return { responses, bytes, partitions, hasError };
  }

  private listOffsets(req: m.ListOffsetsRequest, v: number): m.ListOffsetsResponse {
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p): m.ListOffsetsPartitionResponse => {
          const log = this.store.partition(t.name, p.partitionIndex);
          if (!log) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UnknownTopicOrPartition, timestamp: -1, offset: -1, oldStyleOffsets: [] };
          const found = this.offsetFor(log, p.timestamp);
          if (v === 0) {
            // v0 answers a list of offsets: the one found, at most maxNumOffsets of them.
            const old = found.offset >= 0 && p.maxNumOffsets > 0 ? [found.offset] : [];
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.None, oldStyleOffsets: old, timestamp: -1, offset: -1 };
          }
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.None, timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.offset >= 0 ? LEADER_EPOCH : -1 };
        }),
      })),
    };
  }

  /** ListOffsets' lookups: -1 latest, -2 and -4 earliest, -3 the record with the largest timestamp, -5 latest tiered (none here), else by time. */
  private offsetFor(log: PartitionLog, timestamp: number): { offset: number; timestamp: number } {
    switch (timestamp) {
      case -1:
        return { offset: log.highWatermark, timestamp: -1 };
      case -2:
      case -4:
        return { offset: log.logStartOffset, timestamp: -1 };
      case -3:
        return log.maxTimestampRecord() ?? { offset: -1, timestamp: -1 };
      case -5:
        return { offset: -1, timestamp: -1 };
      default:
        return log.offsetForTimestamp(timestamp) ?? { offset: -1, timestamp: -1 };
    }
  }

  private commit(req: m.OffsetCommitRequest): m.TopicPartitionErrors {
    this.options.ensureOffsetsTopic();
    // OffsetCommit v2-4 may ask for its own retention: recorded as the commit's expiry, as Kafka does.
    const expireTimestamp = req.retentionTimeMs > 0 ? Date.now() + req.retentionTimeMs : null;
    const allowed = this.coordinator.commitAllowed(req.groupId, req.generationIdOrMemberEpoch, req.memberId);
    const entries: Array<{ topic: string; partition: number; offset: number; metadata: string | null; leaderEpoch: number; expireTimestamp: number | null }> = [];
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (allowed !== ErrorCode.None) return { partitionIndex: p.partitionIndex, errorCode: allowed };
        if (!this.store.partition(t.name, p.partitionIndex)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UnknownTopicOrPartition };
        entries.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata, leaderEpoch: p.committedLeaderEpoch, expireTimestamp });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.None };
      }),
    }));
    if (entries.length > 0) this.coordinator.offsets.commit(req.groupId, entries);
    return { topics };
  }

  private committedOf(groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null): m.OffsetFetchTopic[] {
    // A null topic list asks for every committed offset of the group.
    const wanted = topics ?? this.coordinator.offsets.topicsOf(groupId).map((t) => ({ name: t.topic, partitionIndexes: t.partitions }));
    return wanted.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((index) => {
        const c = this.coordinator.offsets.get(groupId, t.name, index);
        return { partitionIndex: index, committedOffset: c?.offset ?? -1, committedLeaderEpoch: c?.leaderEpoch ?? -1, metadata: c?.metadata ?? '', errorCode: ErrorCode.None };
      }),
    }));
  }

  private offsetFetch(req: m.OffsetFetchRequest, v: number): m.OffsetFetchResponse {
    if (v >= 8) return { topics: [], errorCode: ErrorCode.None, groups: req.groups.map((g) => ({ groupId: g.groupId, topics: this.committedOf(g.groupId, g.topics), errorCode: ErrorCode.None })) };
    // Before v2 a null topic list could not be sent (kafka-python sends it from v2 on).
    return { topics: this.committedOf(req.groupId, v < 2 && req.topics !== null && req.topics.length === 0 ? [] : req.topics), errorCode: ErrorCode.None, groups: [] };
  }

  private offsetDelete(req: m.OffsetDeleteRequest): object {
    const state = this.coordinator.describe(req.groupId);
    if (state.state === 'Dead') return { errorCode: ErrorCode.GroupIdNotFound, topics: [] };
    const subscribed = this.coordinator.subscribedTopics(req.groupId);
    const deletions: Array<{ topic: string; partition: number }> = [];
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (subscribed.has(t.name)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GroupSubscribedToTopic };
        if (!this.store.partition(t.name, p.partitionIndex)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UnknownTopicOrPartition };
        deletions.push({ topic: t.name, partition: p.partitionIndex });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.None };
      }),
    }));
    if (deletions.length > 0) this.coordinator.offsets.deleteOffsets(req.groupId, deletions);
    return { errorCode: ErrorCode.None, topics };
  }

  private describedTopicConfigs(topic: Topic) {
    return TOPIC_CONFIGS.map((d) => {
      const c = this.configs.topicValue(topic.configs, d.name);
      return { name: d.name, value: c?.value ?? null, readOnly: false, configSource: c?.source ?? ConfigSource.Default, isSensitive: false };
    });
  }

  private createTopics(req: m.CreateTopicsRequest, v: number): object {
    const topics = req.topics.map((t) => {
      const fail = (errorCode: number, errorMessage: string) => ({ name: t.name, topicId: ZERO_UUID, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null });
      if (!isValidTopicName(t.name)) return fail(ErrorCode.InvalidTopic, `${t.name} is not a valid topic name`);
      if (this.store.get(t.name)) return fail(ErrorCode.TopicAlreadyExists, `Topic '${t.name}' already exists.`);
      let partitions: number;
      if (t.assignments.length > 0) {
        if (t.numPartitions !== -1 || t.replicationFactor !== -1) return fail(ErrorCode.InvalidRequest, 'Both numPartitions or replicationFactor and replicasAssignments were set.');
        const indexes = t.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
        if (indexes.some((ix, i) => ix !== i)) return fail(ErrorCode.InvalidReplicaAssignment, 'Partitions should be a consecutive 0-based integer sequence.');
        for (const a of t.assignments) {
          if (a.brokerIds.length === 0) return fail(ErrorCode.InvalidReplicaAssignment, `Empty replica assignment for partition ${a.partitionIndex}.`);
          if (a.brokerIds.length > 1) return fail(ErrorCode.InvalidReplicationFactor, `Replication factor: ${a.brokerIds.length} larger than available brokers: 1.`);
          if (a.brokerIds[0] !== NODE_ID) return fail(ErrorCode.InvalidReplicaAssignment, `Broker ${a.brokerIds[0]} does not exist (the only broker is ${NODE_ID}).`);
        }
        partitions = t.assignments.length;
      } else {
        partitions = t.numPartitions === -1 ? this.store.defaultPartitions : t.numPartitions;
        if (partitions < 1 || partitions > MAX_PARTITIONS_PER_TOPIC) return fail(ErrorCode.InvalidPartitions, `Number of partitions must be between 1 and ${MAX_PARTITIONS_PER_TOPIC}.`);
        if (t.replicationFactor === 0 || t.replicationFactor < -1) return fail(ErrorCode.InvalidReplicationFactor, 'Replication factor must be larger than 0, or -1 to use the default.');
        if (t.replicationFactor > 1) return fail(ErrorCode.InvalidReplicationFactor, `Replication factor: ${t.replicationFactor} larger than available brokers: 1.`);
      }
      for (const c of t.configs) {
        const problem = validateTopicConfig(c.name, c.value);
        if (problem !== null) return fail(ErrorCode.InvalidConfig, problem);
      }
      const configs = new Map(t.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value]));
      if (req.validateOnly) return { name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.None, errorMessage: null, numPartitions: partitions, replicationFactor: 1, configs: [] };
      const topic = this.store.create(t.name, partitions, configs);
      this.log.debug(`topic ${t.name} created with ${partitions} partition(s)`);
      return { name: t.name, topicId: topic.id, errorCode: ErrorCode.None, errorMessage: null, numPartitions: partitions, replicationFactor: 1, configs: v >= 5 ? this.describedTopicConfigs(topic) : [] };
    });
    return { topics };
  }

  private deleteTopics(req: m.DeleteTopicsRequest, v: number): object {
    const wanted = v >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    return {
      responses: wanted.map((w) => {
        const topic = w.name !== null && w.name !== undefined ? this.store.get(w.name) : this.store.byId(w.topicId);
        const name = topic?.name ?? w.name ?? null;
        if (!topic) return { name, topicId: w.topicId, errorCode: w.name ? ErrorCode.UnknownTopicOrPartition : ErrorCode.UnknownTopicId, errorMessage: null };
        if (topic.internal) return { name, topicId: topic.id, errorCode: ErrorCode.InvalidTopic, errorMessage: `${name} is an internal topic` };
        this.store.delete(topic.name);
        this.coordinator.offsets.deleteTopic(topic.name);
        this.log.debug(`topic ${topic.name} deleted`);
        return { name, topicId: topic.id, errorCode: ErrorCode.None, errorMessage: null };
      }),
    };
  }

  private deleteRecords(req: m.DeleteRecordsRequest): object {
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const log = this.store.partition(t.name, p.partitionIndex);
          if (!log) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.UnknownTopicOrPartition };
          // -1 deletes up to the high watermark, as in Kafka.
          const target = p.offset === -1 ? log.highWatermark : p.offset;
          if (target < 0 || target > log.highWatermark) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.OffsetOutOfRange };
          log.advanceLogStart(target);
          return { partitionIndex: p.partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.None };
        }),
      })),
    };
  }

  private createPartitions(req: m.CreatePartitionsRequest): object {
    return {
      results: req.topics.map((t) => {
        const result = (errorCode: number, errorMessage: string | null) => ({ name: t.name, errorCode, errorMessage });
        const topic = this.store.get(t.name);
        if (!topic) return result(ErrorCode.UnknownTopicOrPartition, `The topic '${t.name}' does not exist.`);
        if (topic.internal) return result(ErrorCode.InvalidRequest, `${t.name} is an internal topic`);
        const current = topic.partitions.length;
        if (t.count <= current) return result(ErrorCode.InvalidPartitions, `Topic currently has ${current} partitions, ${t.count} would not be an increase.`);
        if (t.count > MAX_PARTITIONS_PER_TOPIC) return result(ErrorCode.InvalidPartitions, `At most ${MAX_PARTITIONS_PER_TOPIC} partitions per topic.`);
        if (t.assignments !== null) {
          if (t.assignments.length !== t.count - current) {
            return result(ErrorCode.InvalidReplicaAssignment, `Increasing the number of partitions by ${t.count - current} but ${t.assignments.length} assignments provided.`);
          }
          for (const a of t.assignments) {
            if (a.brokerIds.length !== 1) return result(ErrorCode.InvalidReplicaAssignment, `Inconsistent replication factor between partitions, partition 0 has 1 while partitions [${current}] have replication factors [${a.brokerIds.length}], respectively.`);
            if (a.brokerIds[0] !== NODE_ID) return result(ErrorCode.InvalidReplicaAssignment, `Unknown broker(s) in replica assignment: ${a.brokerIds.join(', ')}.`);
          }
        }
        if (!req.validateOnly) this.store.addPartitions(topic, t.count);
        return result(ErrorCode.None, null);
      }),
    };
  }

  private describeConfigs(req: m.DescribeConfigsRequest, v: number): object {
    const results = req.resources.map((res) => {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      let entries: m.DescribedConfig[];
      const wantSynonyms = req.includeSynonyms;
      if (res.resourceType === ResourceType.Topic) {
        const topic = this.store.get(res.resourceName);
        if (!topic) return { ...base, errorCode: ErrorCode.UnknownTopicOrPartition, errorMessage: `Topic ${res.resourceName} does not exist`, configs: [] };
        entries = TOPIC_CONFIGS.map((d) => {
          const c = this.configs.topicValue(topic.configs, d.name);
          const synonyms: m.DescribedConfig['synonyms'] = [];
          if (wantSynonyms && c) {
            if (c.source === ConfigSource.DynamicTopic) synonyms.push({ name: d.name, value: c.value, source: c.source });
            const b = d.brokerSynonym ? this.configs.get(d.brokerSynonym) : undefined;
            if (b && b.source !== ConfigSource.Default) synonyms.push({ name: b.name, value: b.value, source: b.source });
            synonyms.push({ name: d.brokerSynonym ?? d.name, value: d.default, source: ConfigSource.Default });
          }
          const source = c?.source ?? ConfigSource.Default;
          return {
            name: d.name,
            value: c?.value ?? null,
            readOnly: false,
            isDefault: source === ConfigSource.Default,
            configSource: source,
            isSensitive: false,
            synonyms,
            configType: d.type,
            documentation: req.includeDocumentation ? d.doc : null,
          };
        });
      } else if (res.resourceType === ResourceType.Broker) {
        if (res.resourceName !== '' && res.resourceName !== String(NODE_ID)) {
          return { ...base, errorCode: ErrorCode.InvalidRequest, errorMessage: `Unexpected broker id, expected ${NODE_ID} or empty string, but received ${res.resourceName}`, configs: [] };
        }
        entries = this.configs.all().map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.source === ConfigSource.Default,
          configSource: c.source,
          isSensitive: false,
          synonyms: wantSynonyms ? [{ name: c.name, value: c.value, source: c.source }] : [],
          configType: c.type,
          documentation: req.includeDocumentation ? c.doc : null,
        }));
      } else {
        return { ...base, errorCode: ErrorCode.InvalidRequest, errorMessage: `Unsupported resource type ${res.resourceType}`, configs: [] };
      }
      const keys = res.configurationKeys;
      const configs = entries.filter((e) => keys === null || keys.length === 0 || keys.includes(e.name));
      // v0 has no config source: broker-level settings of a topic read as defaults there.
      return { ...base, errorCode: ErrorCode.None, errorMessage: null, configs: v === 0 ? configs.map((c) => ({ ...c, isDefault: c.configSource !== ConfigSource.DynamicTopic && res.resourceType === ResourceType.Topic ? true : c.isDefault })) : configs };
    });
    return { results };
  }

  /** Validates and applies one resource's new configs: `replaceAll` is AlterConfigs (everything not given reverts to its default). */
  private applyConfigs(resourceType: number, resourceName: string, changes: Map<string, string | null>, replaceAll: boolean, validateOnly: boolean): { errorCode: number; errorMessage: string | null } {
    if (resourceType === ResourceType.Topic) {
      const topic = this.store.get(resourceName);
      if (!topic) return { errorCode: ErrorCode.UnknownTopicOrPartition, errorMessage: `Topic ${resourceName} does not exist` };
      for (const [k, val] of changes) {
        const problem = validateTopicConfig(k, val);
        if (problem !== null) return { errorCode: ErrorCode.InvalidConfig, errorMessage: problem };
      }
      if (validateOnly) return { errorCode: ErrorCode.None, errorMessage: null };
      const next = replaceAll ? new Map<string, string | null>() : new Map(topic.configs);
      for (const [k, val] of changes) {
        if (val === null) next.delete(k);
        else next.set(k, val);
      }
      this.store.setConfigs(topic, next);
      this.log.debug(`topic ${resourceName} configs now ${JSON.stringify(Object.fromEntries(next))}`);
      return { errorCode: ErrorCode.None, errorMessage: null };
    }
    if (resourceType === ResourceType.Broker) {
      if (resourceName !== '' && resourceName !== String(NODE_ID)) return { errorCode: ErrorCode.InvalidRequest, errorMessage: `Unexpected broker id ${resourceName}` };
      for (const [k, val] of changes) {
        const problem = this.configs.validateDynamic(k, val);
        if (problem !== null) return { errorCode: ErrorCode.InvalidConfig, errorMessage: problem };
      }
      if (!validateOnly) this.configs.setDynamic(changes, replaceAll);
      return { errorCode: ErrorCode.None, errorMessage: null };
    }
    return { errorCode: ErrorCode.InvalidRequest, errorMessage: `Unsupported resource type ${resourceType}` };
  }

  private alterConfigs(req: m.AlterConfigsRequest): object {
    return {
      responses: req.resources.map((res) => ({
        resourceType: res.resourceType,
        resourceName: res.resourceName,
        ...this.applyConfigs(res.resourceType, res.resourceName, new Map(res.configs.map((c) => [c.name, c.value])), true, req.validateOnly),
      })),
    };
  }

  private incrementalAlterConfigs(req: m.IncrementalAlterConfigsRequest): object {
    const SET = 0;
    const DELETE = 1;
    const APPEND = 2;
    const SUBTRACT = 3;
    return {
      responses: req.resources.map((res) => {
        const base = { resourceType: res.resourceType, resourceName: res.resourceName };
        const current = (name: string): string => {
          if (res.resourceType === ResourceType.Topic) {
            const topic = this.store.get(res.resourceName);
            return topic ? (this.configs.topicValue(topic.configs, name)?.value ?? '') : '';
          }
          return this.configs.get(name)?.value ?? '';
        };
        const changes = new Map<string, string | null>();
        for (const c of res.configs) {
          if (changes.has(c.name)) return { ...base, errorCode: ErrorCode.InvalidRequest, errorMessage: `Error due to duplicate config keys: ${c.name}` };
          const list = () => current(c.name).split(',').filter((s) => s !== '');
          switch (c.configOperation) {
            case SET:
              changes.set(c.name, c.value);
              break;
            case DELETE:
              changes.set(c.name, null);
              break;
            case APPEND:
              changes.set(c.name, [...new Set([...list(), ...(c.value ?? '').split(',').filter((s) => s !== '')])].join(','));
              break;
            case SUBTRACT: {
              const remove = new Set((c.value ?? '').split(','));
              changes.set(c.name, list().filter((s) => !remove.has(s)).join(','));
              break;
            }
            default:
              return { ...base, errorCode: ErrorCode.InvalidRequest, errorMessage: `Unknown config operation ${c.configOperation}` };
          }
        }
        return { ...base, ...this.applyConfigs(res.resourceType, res.resourceName, changes, false, req.validateOnly) };
      }),
    };
  }

  private allocateProducerId(): number {
    const id = this.nextProducerId++;
    if (this.options.dataDir !== null) {
      fs.writeFileSync(path.join(this.options.dataDir, 'producer-ids.json'), JSON.stringify({ next: this.nextProducerId.toString() }));
    }
    return Number(id);
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
