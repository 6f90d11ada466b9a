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
  ): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export interface OutgoingEmail {
  messageId: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
}

/** A failed hand-over to the mail server; `permanent` when the server refused the recipient's address (5xx). */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailSendError';
  }
}

/** Hands one email to the mail server; throws MailSendError when it was not accepted. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  /** Closes pooled connections; called once nothing is being sent any more. */
  close?(): void;
}

export const TRANSACTION_RUNNER = Symbol('TransactionRunner');
export const EVENT_PUBLISHER = Symbol('EventPublisher');
export const CLOCK = Symbol('Clock');
export const MAILER = Symbol('Mailer');
export const NOTIFICATION_SETTINGS = Symbol('NotificationSettings');

export const systemClock: Clock = { now: () => new Date() };
