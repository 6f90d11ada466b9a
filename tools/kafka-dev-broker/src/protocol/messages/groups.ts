import { GroupSummary, JoinResult } from '../../groups/group-coordinator';
import { Reader } from '../reader';
import { Writer } from '../writer';

export function decodeFindCoordinatorRequest(r: Reader): { key: string } {
  return { key: r.string() };
}

export function encodeFindCoordinatorResponse(w: Writer, res: { nodeId: number; host: string; port: number }): void {
  w.int16(0).int32(res.nodeId).string(res.host).int32(res.port);
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
}

export function decodeJoinGroupRequest(r: Reader, version: number): JoinGroupRequest {
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = version >= 1 ? r.int32() : sessionTimeoutMs;
  const memberId = r.string();
  const protocolType = r.string();
  const protocols = r.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) }));
  return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, protocolType, protocols };
}

export function encodeJoinGroupResponse(w: Writer, res: JoinResult): void {
  w.int16(res.error).int32(res.generationId).string(res.protocolName).string(res.leader).string(res.memberId);
  w.array(res.members, (w, m) => w.string(m.memberId).bytes(m.metadata));
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export function decodeSyncGroupRequest(r: Reader): SyncGroupRequest {
  return {
    groupId: r.string(),
    generationId: r.int32(),
    memberId: r.string(),
    assignments: r.array((r) => ({ memberId: r.string(), assignment: Buffer.from(r.bytes()) })),
  };
}

export function encodeSyncGroupResponse(w: Writer, res: { error: number; assignment: Buffer }): void {
  w.int16(res.error).bytes(res.assignment);
}

export function decodeHeartbeatRequest(r: Reader): { groupId: string; generationId: number; memberId: string } {
  return { groupId: r.string(), generationId: r.int32(), memberId: r.string() };
}

export function decodeLeaveGroupRequest(r: Reader): { groupId: string; memberId: string } {
  return { groupId: r.string(), memberId: r.string() };
}

export function encodeErrorOnly(w: Writer, error: number): void {
  w.int16(error);
}

export function decodeDescribeGroupsRequest(r: Reader): { groups: string[] } {
  return { groups: r.array((r) => r.string()) };
}

export function encodeDescribeGroupsResponse(w: Writer, groups: GroupSummary[]): void {
  w.array(groups, (w, g) => {
    w.int16(0).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol);
    w.array(g.members, (w, m) => w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment));
  });
}

export function encodeListGroupsResponse(w: Writer, groups: Array<{ groupId: string; protocolType: string }>): void {
  w.int16(0);
  w.array(groups, (w, g) => w.string(g.groupId).string(g.protocolType));
}
