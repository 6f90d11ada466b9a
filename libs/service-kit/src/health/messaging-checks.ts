import type { InboxHealth, OutboxRelayStatus } from '@budget-erp/messaging';
import type { HealthCheck } from './health.service';

/**
 * How long a consumer may be without a group (starting, rebalancing, restarting after a crash) or
 * without a heartbeat before readiness calls it stuck: three session timeouts, at least 30 s. A
 * normal rebalance or a restart that waits for a killed member's session to expire stays within it.
 */
export function inboxStuckAfterMs(sessionTimeoutMs: number): number {
  return Math.max(30_000, 3 * sessionTimeoutMs);
}

/**
 * Readiness of one inbox consumer: down when it crashed for good, or when it has been without its
 * group, or without a heartbeat, for longer than `inboxStuckAfterMs`. Joining after a restart and
 * rebalancing are normal and keep it ready, so the service serves HTTP meanwhile.
 */
export function inboxCheck(inbox: { health(): InboxHealth }, now: () => number = Date.now): HealthCheck {
  return async () => {
    const health = inbox.health();
    const stuckAfterMs = inboxStuckAfterMs(health.sessionTimeoutMs);
    const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
    const error = health.lastError ? `: ${health.lastError}` : '';
    switch (health.state) {
      case 'joined': {
        const quietFor = now() - Math.max(health.since, health.lastHeartbeatAt ?? 0);
        if (quietFor > stuckAfterMs) throw new Error(`consumer group ${health.groupId}: no heartbeat for ${seconds(quietFor)}`);
        return;
      }
      case 'starting':
      case 'rebalancing': {
        const waitingFor = now() - health.since;
        if (waitingFor > stuckAfterMs) throw new Error(`consumer group ${health.groupId}: ${health.state} for ${seconds(waitingFor)}${error}`);
        return;
      }
      case 'crashed':
        throw new Error(`consumer group ${health.groupId}: the consumer crashed${error}`);
      case 'stopped':
        throw new Error(`consumer group ${health.groupId}: the consumer is stopped`);
      default: {
        const unknown: never = health.state;
        throw new Error(`consumer group ${health.groupId}: unknown state ${String(unknown)}`);
      }
    }
  };
}

/** How long the outbox relay may keep failing before readiness reports it (a blip of the broker or the database is not). */
export const RELAY_FAILING_LIMIT_MS = 30_000;

/** Readiness of the outbox relay: down when it is not running, or has failed every pass for over 30 s. */
export function outboxRelayCheck(relay: { status(): OutboxRelayStatus }, now: () => number = Date.now): HealthCheck {
  return async () => {
    const status = relay.status();
    if (!status.running) throw new Error('outbox relay is not running');
    if (status.failingSince !== undefined && now() - status.failingSince > RELAY_FAILING_LIMIT_MS) {
      throw new Error(`outbox relay failing for ${Math.round((now() - status.failingSince) / 1000)} s: ${status.lastError ?? 'unknown error'}`);
    }
  };
}
