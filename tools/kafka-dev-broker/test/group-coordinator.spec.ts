import { GroupCoordinator, JoinRequest } from '../src/groups/group-coordinator';
import { OffsetStore } from '../src/groups/offset-store';
import { ErrorCode } from '../src/protocol/error-codes';
import { createLogger } from '../src/server/logger';

const join = (memberId = '', sessionTimeoutMs = 6000): JoinRequest => ({
  groupId: 'g',
  sessionTimeoutMs,
  rebalanceTimeoutMs: 20000,
  memberId,
  protocolType: 'consumer',
  protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from('m') }],
  clientId: 'c',
  clientHost: '127.0.0.1',
});

describe('the group coordinator', () => {
  let coordinator: GroupCoordinator;

  beforeEach(() => {
    jest.useFakeTimers();
    coordinator = new GroupCoordinator(new OffsetStore(null), { minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 60000 }, createLogger('silent'));
  });

  afterEach(() => {
    coordinator.close();
    jest.useRealTimers();
  });

  async function stableSingleMember(): Promise<{ memberId: string; generationId: number }> {
    const joined = await coordinator.join(join());
    const synced = await coordinator.sync('g', joined.generationId, joined.memberId, [{ memberId: joined.memberId, assignment: Buffer.from('all') }]);
    expect(synced).toEqual({ error: ErrorCode.None, assignment: Buffer.from('all') });
    return joined;
  }

  it('when a second member joins, the first is told to rejoin and both get the next generation, the leader seeing both', async () => {
    const first = await stableSingleMember();
    const secondJoin = coordinator.join(join());
    expect(coordinator.heartbeat('g', first.generationId, first.memberId)).toBe(ErrorCode.RebalanceInProgress);
    expect(coordinator.commitAllowed('g', first.generationId, first.memberId)).toBe(ErrorCode.None);
    const firstRejoin = await coordinator.join(join(first.memberId));
    const second = await secondJoin;
    expect(firstRejoin.generationId).toBe(first.generationId + 1);
    expect(second.generationId).toBe(first.generationId + 1);
    expect(firstRejoin.leader).toBe(first.memberId);
    expect(firstRejoin.members.map((m) => m.memberId).sort()).toEqual([first.memberId, second.memberId].sort());
    expect(second.members).toEqual([]);

    const followerSync = coordinator.sync('g', second.generationId, second.memberId, []);
    await coordinator.sync('g', firstRejoin.generationId, first.memberId, [
      { memberId: first.memberId, assignment: Buffer.from('a') },
      { memberId: second.memberId, assignment: Buffer.from('b') },
    ]);
    expect(await followerSync).toEqual({ error: ErrorCode.None, assignment: Buffer.from('b') });
    expect(coordinator.commitAllowed('g', first.generationId, first.memberId)).toBe(ErrorCode.IllegalGeneration);
  });

  it('when a member stops heartbeating, it is removed after its session timeout and the group rebalances', async () => {
    const member = await stableSingleMember();
    jest.advanceTimersByTime(5000);
    expect(coordinator.heartbeat('g', member.generationId, member.memberId)).toBe(ErrorCode.None);
    jest.advanceTimersByTime(6500);
    expect(coordinator.heartbeat('g', member.generationId, member.memberId)).toBe(ErrorCode.UnknownMemberId);
    expect(coordinator.describe('g').state).toBe('Empty');
  });

  it('expires a silent member during a rebalance but never one waiting inside JoinGroup', async () => {
    const silent = await stableSingleMember();
    const waiting = coordinator.join(join());
    jest.advanceTimersByTime(7000);
    const joined = await waiting;
    expect(joined).toMatchObject({ error: ErrorCode.None, generationId: silent.generationId + 1, leader: joined.memberId });
    expect(coordinator.describe('g').members.map((m) => m.memberId)).toEqual([joined.memberId]);
  });

  it('refuses a session timeout outside the allowed range', async () => {
    expect((await coordinator.join(join('', 1000))).error).toBe(ErrorCode.InvalidSessionTimeout);
  });

  it('refuses a rejoin under a member id it does not know', async () => {
    expect((await coordinator.join(join('ghost'))).error).toBe(ErrorCode.UnknownMemberId);
  });
});
