import type { EntityManager } from 'typeorm';
import type { CloudEventEnvelope, PayloadOf, Topic } from '@budget-erp/contracts';

/** Runs work in one database transaction; events published inside commit with it. */
export interface TransactionRunner {
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/** One event to publish: its topic, the budget it is about (the Kafka key), its company and its payload. */
export type OutgoingEvent = { [T in Topic]: { topic: T; subject: string; companyId: string; payload: PayloadOf<T> } }[Topic];

/** Writes events to the outbox within the caller's transaction. */
export interface EventPublisher {
  publish<T extends Topic>(
    manager: EntityManager,
    message: { topic: T; subject: string; companyId: string; payload: PayloadOf<T> },
  ): Promise<CloudEventEnvelope>;
  /** Several events at once, in order (a send's summary and its line chunks). */
  publishAll(manager: EntityManager, messages: readonly OutgoingEvent[]): Promise<unknown>;
}

export interface Clock {
  now(): Date;
}

export const TRANSACTION_RUNNER = Symbol('TransactionRunner');
export const EVENT_PUBLISHER = Symbol('EventPublisher');
export const CLOCK = Symbol('Clock');

/** Expected failures of the budget use cases, mapped to HTTP only at the transport edge. */
export class BudgetUseCaseError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'bad_request',
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'BudgetUseCaseError';
  }
}

export const budgetNotFound = (budgetId: string) =>
  new BudgetUseCaseError('not_found', 'BUDGET.NOT_FOUND', `Budget ${budgetId} was not found.`);

/** Refuses a command given for another version of the budget than the one stored (If-Match): 409 naming the current version. */
export function checkExpectedVersion(budgetId: string, current: number, expected: number | undefined): void {
  if (expected === undefined || expected === current) return;
  throw new BudgetUseCaseError(
    'conflict',
    'BUDGET.VERSION_MISMATCH',
    `Budget ${budgetId} is at version ${current}, not ${expected}: someone changed it since you read it; reload it and try again.`,
    [{ path: 'If-Match', message: `current version ${current}` }],
  );
}

/** A command that would take the budget (or project) past a configured limit: a 409 naming it. */
export const overLimit = (setting: string, what: string, limit: number, wouldBe: number) =>
  new BudgetUseCaseError(
    'conflict',
    'LIMIT.EXCEEDED',
    `${what} at most ${limit} (${setting}); this would make ${wouldBe}.`,
    [{ path: setting, message: `limit ${limit}, would be ${wouldBe}` }],
  );
