import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/error-codes';
import { Logger } from '../server/logger';
import { OffsetStore } from './offset-store';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
  clientId: string;
  clientHost: string;
}

export interface JoinResult {
  error: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; metadata: Buffer }>;
}

export interface SyncResult {
  error: number;
  assignment: Buffer;
}

interface Member {
  id: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: Array<{ name: string; metadata: Buffer }>;
  assignment: Buffer;
  lastSeen: number;
  onJoined?: (r: JoinResult) => void;
  onSynced?: (r: SyncResult) => void;
}

interface Group {
  id: string;
  state: GroupState;
  generation: number;
  protocolType: string | null;
  protocol: string | null;
  leader: string | null;
  members: Map<string, Member>;
  rebalanceDeadline: number;
}

export interface GroupSummary {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocol: string;
  members: Array<{ memberId: string; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }>;
}

/** A group as `__consumer_offsets` records it (GroupMetadataValue). */
export interface GroupSnapshot {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  members: Array<{ memberId: string; clientId: string; clientHost: string; rebalanceTimeoutMs: number; sessionTimeoutMs: number; subscription: Buffer; assignment: Buffer }>;
}

export interface CoordinatorOptions {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * The classic consumer-group protocol: join barrier, leader-computed assignment handed out by SyncGroup,
 * heartbeats, session and rebalance timeouts. Committed offsets live in the OffsetStore.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly timer: NodeJS.Timeout;
  /** Told of every generation, assignment, emptied group and deletion (null snapshot). */
  onGroupChange: ((groupId: string, snapshot: GroupSnapshot | null, deletedOffsets: Array<{ topic: string; partition: number }>) => void) | null = null;

  constructor(
    readonly offsets: OffsetStore,
    private readonly options: CoordinatorOptions,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.expire(Date.now()), 200);
    this.timer.unref();
  }

  join(req: JoinRequest): Promise<JoinResult> {
    const fail = (error: number): Promise<JoinResult> =>
      Promise.resolve({ error, generationId: -1, protocolName: '', leader: '', memberId: req.memberId, members: [] });
    if (req.groupId === '') return fail(ErrorCode.InvalidGroupId);
    if (req.sessionTimeoutMs < this.options.minSessionTimeoutMs || req.sessionTimeoutMs > this.options.maxSessionTimeoutMs) {
      return fail(ErrorCode.InvalidSessionTimeout);
    }
    const group = this.groupFor(req.groupId);
    if (req.protocols.length === 0 || (group.members.size > 0 && group.protocolType !== req.protocolType)) {
      return fail(ErrorCode.InconsistentGroupProtocol);
    }
    let member: Member | undefined;
    if (req.memberId === '') {
      if (!this.sharesProtocol(group, req.protocols)) return fail(ErrorCode.InconsistentGroupProtocol);
      member = {
        id: `${req.clientId.slice(0, 200)}-${randomUUID()}`,
        clientId: req.clientId,
        clientHost: req.clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocols: req.protocols,
        assignment: EMPTY,
        lastSeen: Date.now(),
      };
      group.members.set(member.id, member);
      this.log.debug(`group ${group.id}: member ${member.id} joins`);
    } else {
      member = group.members.get(req.memberId);
      if (!member) return fail(ErrorCode.UnknownMemberId);
      member.protocols = req.protocols;
      member.sessionTimeoutMs = req.sessionTimeoutMs;
      member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
      member.lastSeen = Date.now();
      member.onJoined?.({ error: ErrorCode.RebalanceInProgress, generationId: -1, protocolName: '', leader: '', memberId: member.id, members: [] });
    }
    group.protocolType = req.protocolType;
    const joined = new Promise<JoinResult>((resolve) => {
      member.onJoined = resolve;
    });
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group, `member ${member.id} joined`);
    this.tryCompleteJoin(group);
    return joined;
  }

  sync(groupId: string, generationId: number, memberId: string, assignments: Array<{ memberId: string; assignment: Buffer }>): Promise<SyncResult> {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return Promise.resolve({ error: ErrorCode.UnknownMemberId, assignment: EMPTY });
    if (generationId !== group.generation) return Promise.resolve({ error: ErrorCode.IllegalGeneration, assignment: EMPTY });
    member.lastSeen = Date.now();
    if (group.state === 'PreparingRebalance' || group.state === 'Empty' || group.state === 'Dead') {
      return Promise.resolve({ error: ErrorCode.RebalanceInProgress, assignment: EMPTY });
    }
    if (group.state === 'Stable') return Promise.resolve({ error: ErrorCode.None, assignment: member.assignment });
    const synced = new Promise<SyncResult>((resolve) => {
      member.onSynced = resolve;
    });
    if (memberId === group.leader) {
      const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      for (const m of group.members.values()) m.assignment = byMember.get(m.id) ?? EMPTY;
      group.state = 'Stable';
      this.notify(group);
      this.log.debug(`group ${group.id}: generation ${group.generation} stable with ${group.members.size} member(s)`);
      for (const m of group.members.values()) {
        const cb = m.onSynced;
        m.onSynced = undefined;
        cb?.({ error: ErrorCode.None, assignment: m.assignment });
      }
    }
    return synced;
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UnknownMemberId;
    if (generationId !== group.generation) return ErrorCode.IllegalGeneration;
    member.lastSeen = Date.now();
    return group.state === 'PreparingRebalance' ? ErrorCode.RebalanceInProgress : ErrorCode.None;
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UnknownMemberId;
    this.removeMember(group, member, 'left');
    return ErrorCode.None;
  }

  /** Validates the committer; OffsetCommit of the current generation is accepted while a rebalance is being prepared. */
  commitAllowed(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    if (generationId < 0 && memberId === '') {
      return group && group.members.size > 0 ? ErrorCode.UnknownMemberId : ErrorCode.None;
    }
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UnknownMemberId;
    if (generationId !== group.generation) return ErrorCode.IllegalGeneration;
    if (group.state === 'CompletingRebalance') return ErrorCode.RebalanceInProgress;
    member.lastSeen = Date.now();
    return ErrorCode.None;
  }

  describe(groupId: string): GroupSummary {
    const group = this.groups.get(groupId);
    if (!group) {
      const known = this.offsets.groupIds().includes(groupId);
      return { groupId, state: known ? 'Empty' : 'Dead', protocolType: '', protocol: '', members: [] };
    }
    const stable = group.state === 'Stable';
    return {
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocol: stable ? (group.protocol ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? (m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  list(): Array<{ groupId: string; protocolType: string }> {
    const ids = new Set([...this.groups.keys(), ...this.offsets.groupIds()]);
    return [...ids].map((id) => ({ groupId: id, protocolType: this.groups.get(id)?.protocolType ?? 'consumer' }));
  }

  /** DeleteGroups: only a group without members can go, with its committed offsets. */
  deleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group && group.members.size > 0) return ErrorCode.NonEmptyGroup;
    if (!group && !this.offsets.groupIds().includes(groupId)) return ErrorCode.GroupIdNotFound;
    const deletedOffsets = this.offsets.topicsOf(groupId).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    this.groups.delete(groupId);
    this.offsets.deleteGroup(groupId, undefined, true);
    this.onGroupChange?.(groupId, null, deletedOffsets);
    this.log.debug(`group ${groupId} deleted`);
    return ErrorCode.None;
  }

  /** Topics the members of a consumer group subscribe to (from their subscription metadata). */
  subscribedTopics(groupId: string): Set<string> {
    const out = new Set<string>();
    const group = this.groups.get(groupId);
    if (!group || group.protocolType !== 'consumer') return out;
    for (const m of group.members.values()) {
      const meta = m.protocols.find((p) => p.name === group.protocol)?.metadata ?? m.protocols[0]?.metadata;
      if (!meta || meta.length < 6) continue;
      try {
        let pos = 2;
        const n = meta.readInt32BE(pos);
        pos += 4;
        for (let i = 0; i < n; i++) {
          const len = meta.readInt16BE(pos);
          pos += 2;
          out.add(meta.toString('utf8', pos, pos + len));
          pos += len;
        }
      } catch {
        // unreadable subscription: nothing known
      }
    }
    return out;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private notify(group: Group): void {
    if (!this.onGroupChange) return;
    this.onGroupChange(group.id, {
      protocolType: group.protocolType ?? '',
      generation: group.generation,
      protocol: group.protocol,
      leader: group.leader,
      members: [...group.members.values()].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY,
        assignment: m.assignment,
      })),
    }, []);
  }

  private groupFor(id: string): Group {
    let group = this.groups.get(id);
    if (!group) {
      group = { id, state: 'Empty', generation: 0, protocolType: null, protocol: null, leader: null, members: new Map(), rebalanceDeadline: 0 };
      this.groups.set(id, group);
    }
    return group;
  }

  private sharesProtocol(group: Group, protocols: Array<{ name: string }>): boolean {
    if (group.members.size === 0) return true;
    return protocols.some((p) => [...group.members.values()].every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  private prepareRebalance(group: Group, reason: string): void {
    if (group.state === 'CompletingRebalance') {
      for (const m of group.members.values()) {
        const cb = m.onSynced;
        m.onSynced = undefined;
        cb?.({ error: ErrorCode.RebalanceInProgress, assignment: EMPTY });
      }
    }
    group.state = 'PreparingRebalance';
    let timeout = 0;
    for (const m of group.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    group.rebalanceDeadline = Date.now() + timeout;
    this.log.debug(`group ${group.id}: rebalancing (${reason})`);
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    for (const m of group.members.values()) if (!m.onJoined) return;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    group.generation++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.leader = null;
      group.protocol = null;
      this.notify(group);
      return;
    }
    const members = [...group.members.values()];
    if (group.leader === null || !group.members.has(group.leader)) group.leader = members[0].id;
    const leader = group.members.get(group.leader) as Member;
    const chosen = leader.protocols.find((p) => members.every((m) => m.protocols.some((q) => q.name === p.name)));
    group.protocol = chosen?.name ?? leader.protocols[0].name;
    group.state = 'CompletingRebalance';
    const now = Date.now();
    const list = members.map((m) => ({ memberId: m.id, metadata: m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY }));
    this.log.debug(`group ${group.id}: generation ${group.generation} with ${members.length} member(s)`);
    this.notify(group);
    for (const m of members) {
      m.assignment = EMPTY;
      m.lastSeen = now;
      const cb = m.onJoined;
      m.onJoined = undefined;
      cb?.({
        error: ErrorCode.None,
        generationId: group.generation,
        protocolName: group.protocol,
        leader: group.leader,
        memberId: m.id,
        members: m.id === group.leader ? list : [],
      });
    }
  }

  private removeMember(group: Group, member: Member, reason: string): void {
    group.members.delete(member.id);
    this.log.debug(`group ${group.id}: member ${member.id} ${reason}`);
    member.onJoined?.({ error: ErrorCode.UnknownMemberId, generationId: -1, protocolName: '', leader: '', memberId: member.id, members: [] });
    member.onSynced?.({ error: ErrorCode.UnknownMemberId, assignment: EMPTY });
    member.onJoined = undefined;
    member.onSynced = undefined;
    if (group.leader === member.id) group.leader = null;
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group, `member ${member.id} ${reason}`);
    if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group);
  }

  private expire(now: number): void {
    for (const group of this.groups.values()) {
      for (const m of [...group.members.values()]) {
        if (!m.onJoined && now - m.lastSeen > m.sessionTimeoutMs) this.removeMember(group, m, 'session timed out');
      }
      if (group.state === 'PreparingRebalance' && now > group.rebalanceDeadline) {
        for (const m of [...group.members.values()]) if (!m.onJoined) this.removeMember(group, m, 'did not rejoin in time');
        if (group.state === 'PreparingRebalance') this.completeJoin(group);
      }
    }
  }
}
