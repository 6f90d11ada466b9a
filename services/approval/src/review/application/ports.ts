import type { EntityManager } from 'typeorm';
import type { PayloadOf, Topic } from '@budget-erp/contracts';

/** Runs work in one database transaction; events published inside commit with it. */
export interface TransactionRunner {
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/** Writes an event to the outbox within the caller's transaction. */
export interface EventPublisher {
  publish<T extends Topic>(
    manager: EntityManager,
    message: { topic: T; subject: string; companyId: string; payload: PayloadOf<T> },
  ): Promise<unknown>;
}

export const TRANSACTION_RUNNER = Symbol('TransactionRunner');
export const EVENT_PUBLISHER = Symbol('EventPublisher');
export const CLOCK = Symbol('Clock');

export interface Clock {
  now(): Date;
}

/** Expected failures of the approval use cases, mapped to HTTP at the transport edge. */
export class ReviewUseCaseError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'bad_request',
    readonly code: string,
    message: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'ReviewUseCaseError';
  }
}

export const budgetNotFound = (budgetId: string) =>
  new ReviewUseCaseError('not_found', 'APPROVAL.BUDGET_NOT_FOUND', `budget ${budgetId} was not found`);
