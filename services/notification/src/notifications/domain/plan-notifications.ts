import type { NotifiableFact, NotificationKind } from './notifiable-fact';
import { type Person, assertNever } from './person';
import { type RenderedMessage, renderFactMessage } from './templates';

/** One notification to store for one recipient; `dedupeKey` makes it exist at most once. */
export interface PlannedNotification {
  dedupeKey: string;
  kind: NotificationKind;
  companyId: string;
  budgetId: string | null;
  sourceEventId: string | null;
  recipient: Person;
  /** False when the recipient has no email address: the feed entry is kept, no mail is sent. */
  email: boolean;
  message: RenderedMessage;
}

/** Who is told about a fact, each person once even when they play two roles. */
export function recipientsOf(fact: NotifiableFact): Person[] {
  switch (fact.type) {
    case 'budget_rejected':
      return [fact.createdBy];
    case 'export_failed':
    case 'export_landed_late':
      return uniqueByUser([fact.sentBy, fact.acceptedBy]);
    case 'erp_posted':
      return [fact.createdBy];
    case 'budget_accepted':
      return [fact.createdBy];
    case 'import_succeeded':
    case 'import_failed':
      return [fact.requestedBy];
    case 'drift_detected':
      return uniqueByUser(fact.integrationsUsers);
    default:
      return assertNever(fact);
  }
}

export function uniqueByUser(people: Person[]): Person[] {
  const seen = new Set<string>();
  return people.filter((p) => !seen.has(p.userId) && seen.add(p.userId));
}

export const hasEmailAddress = (person: Person): boolean => /^[^\s@]+@[^\s@]+$/.test(person.email.trim());

/**
 * One notification per kind, export (or import) and recipient: a redelivered event, or the same fact
 * reported again under a new event id (a timeout and then the failure itself), tells nobody twice.
 */
export const oneNotificationPerOperationAndRecipient = (fact: NotifiableFact, recipient: Person): string =>
  `${fact.type}:${fact.operationId}:${recipient.userId}`;

export function planNotifications(fact: NotifiableFact): PlannedNotification[] {
  return recipientsOf(fact).map((recipient) => ({
    dedupeKey: oneNotificationPerOperationAndRecipient(fact, recipient),
    kind: fact.type,
    companyId: fact.companyId,
    budgetId: fact.budgetId,
    sourceEventId: fact.eventId,
    recipient,
    email: hasEmailAddress(recipient),
    message: renderFactMessage(fact, recipient),
  }));
}
