import type { InboxHealth, OutboxRelayStatus } from '@budget-erp/messaging';
import { inboxCheck, outboxRelayCheck } from '../src/health/messaging-checks';

const now = 1_000_000_000;
const outcome = (check: () => Promise<void>) => check().then(() => 'up', (error: Error) => `down: ${error.message}`);
const inbox = (health: Partial<InboxHealth>) => ({ health: (): InboxHealth => ({ groupId: 'budget', state: 'joined', since: now, sessionTimeoutMs: 10_000, ...health }) });

describe('readiness of an inbox consumer', () => {
  it.each<[string, Partial<InboxHealth>, string]>([
    ['joined with a recent heartbeat', { state: 'joined', since: now - 600_000, lastHeartbeatAt: now - 3_000 }, 'up'],
    ['starting (waiting for a killed predecessor to leave the group)', { state: 'starting', since: now - 25_000 }, 'up'],
    ['rebalancing because a replica came or left', { state: 'rebalancing', since: now - 5_000 }, 'up'],
    ['restarting after a crash kafkajs retries', { state: 'starting', since: now - 1_000, lastError: 'The coordinator is not aware of this member' }, 'up'],
    ['starting for longer than three session timeouts', { state: 'starting', since: now - 31_000, lastError: 'connect ECONNREFUSED' }, 'down: consumer group budget: starting for 31 s: connect ECONNREFUSED'],
    ['rebalancing for longer than three session timeouts', { state: 'rebalancing', since: now - 45_000 }, 'down: consumer group budget: rebalancing for 45 s'],
    ['joined but without a heartbeat for over 30 s', { state: 'joined', since: now - 600_000, lastHeartbeatAt: now - 40_000 }, 'down: consumer group budget: no heartbeat for 40 s'],
    ['crashed for good', { state: 'crashed', since: now, lastError: 'KafkaJSNonRetriableError: bad' }, 'down: consumer group budget: the consumer crashed: KafkaJSNonRetriableError: bad'],
    ['stopped', { state: 'stopped', since: now }, 'down: consumer group budget: the consumer is stopped'],
  ])('when the consumer is %s, answers %s', async (_state, health, expected) => {
    expect(await outcome(inboxCheck(inbox(health), () => now))).toBe(expected);
  });

  it('when the session timeout is long, allows three of them to join', async () => {
    expect(await outcome(inboxCheck(inbox({ state: 'starting', since: now - 170_000, sessionTimeoutMs: 60_000 }), () => now))).toBe('up');
  });
});

describe('readiness of the outbox relay', () => {
  const relay = (status: Partial<OutboxRelayStatus>) => ({ status: (): OutboxRelayStatus => ({ running: true, leader: true, consecutiveFailures: 0, ...status }) });

  it.each<[string, Partial<OutboxRelayStatus>, string]>([
    ['relaying', {}, 'up'],
    ['a replica that does not lead', { leader: false }, 'up'],
    ['failing for a few seconds (a blip)', { consecutiveFailures: 4, failingSince: now - 5_000, lastError: 'broker down' }, 'up'],
    ['failing for over 30 s', { consecutiveFailures: 12, failingSince: now - 31_000, lastError: 'broker down' }, 'down: outbox relay failing for 31 s: broker down'],
    ['not running', { running: false }, 'down: outbox relay is not running'],
  ])('when the relay is %s, answers %s', async (_state, status, expected) => {
    expect(await outcome(outboxRelayCheck(relay(status), () => now))).toBe(expected);
  });
});
