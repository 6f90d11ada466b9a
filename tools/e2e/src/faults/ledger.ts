import { Client } from 'pg';
import { ErpSystem, PlatformClient } from '../client';
import { AnswerTally, DrivenBudget } from './load';

const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVICES = ['budget', 'approval', 'erp-connector', 'notification'];

/** One budget's line of the ledger. */
export interface LedgerEntry {
  index: number;
  budgetId: string | null;
  status: string | null;
  failureReason: string | null;
  /** Exports of this budget the ERP holds (its books, through the simulator's API). */
  erpExports: number;
  /** Emails the SMTP sink received about this budget, by notification kind (distinct Message-IDs). */
  emails: Record<string, number>;
  /** Extra copies of an email the sink received with a Message-ID it already had (a resend after a crash). */
  emailsResent: number;
  /** Events published about this budget, and applications of them by consumer group (inbox rows). */
  eventsPublished: number;
  eventsApplied: Record<string, number>;
  /** Synced, posted before the ERP lost its state, and so no longer in the ERP. */
  syncedBeforeErpLoss: boolean;
  /** Timed out, then landed in the ERP all the same: shown to the approver as landed after the platform gave it up. */
  landedAfterGivenUp?: boolean;
  /**
   * Its export landed by an attempt that was already in flight when the connector heard it was given
   * up (the attempt started before the fact was recorded): the one landing after a give-up allowed.
   * One sent after the connector heard it is an unexpected finding instead.
   */
  landedInFlightWhenHeard?: boolean;
  lost: string[];
  duplicated: string[];
  unexpected: string[];
}

export interface Ledger {
  fault: string;
  entries: LedgerEntry[];
  /** 5xx answers the load received, by status (`503 without Retry-After` apart). */
  serverErrors: Record<string, number>;
  unanswered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** Extra copies of emails the sink received under a Message-ID it already had. */
  emailsResent: number;
  /** Lines of every lost, duplicated and unexpected finding. */
  findings: string[];
  synced: number;
  /** Of those synced: posted before the ERP lost its state (their exports went with it). */
  syncedBeforeErpLoss: number;
  failed: Record<string, number>;
}

export interface LedgerInput {
  fault: string;
  client: PlatformClient;
  system: ErpSystem;
  databasePrefix: string;
  budgets: DrivenBudget[];
  tally: AnswerTally;
  /** Failure reasons this fault may legitimately end a budget with (the ERP lost its state: ERP_RECORD_MISSING). */
  allowedFailures?: string[];
  /** When the ERP lost its state: a budget posted before then rightly ends synced with no export left there. */
  erpStateLostAt?: number;
  /**
   * Copies of an email the sink may receive again under the same Message-ID: the emails the
   * notification process had handed to the mail server but not yet recorded when it was killed (at
   * most its dispatch concurrency). 0 for every other fault.
   */
  allowedEmailResends?: number;
}

async function query<T>(databasePrefix: string, service: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${databasePrefix}${service.replace(/[^a-z0-9]/g, '_')}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const stripBrackets = (id: string) => id.replace(/^<|>$/g, '');

/** What gives an export up, as the connector records it heard (`erp_export_facts`). */
const GIVEN_UP_FACTS = ['superseded', 'rejected', 'retrieved', 'timed_out'];

/** An attempt of an export (`erp_export_attempts`): `landed` sent it, `found_in_erp` found an earlier attempt's. */
export interface ExportAttemptRow {
  export_id: string;
  attempt: number;
  started_at: Date;
  outcome: string | null;
}

/** A fact that gave an export up, and when the connector recorded it (under the budget's lock, at the insert). */
export interface GivenUpHeardRow {
  export_id: string;
  fact: string;
  recorded_at: Date;
}

/** An export that reached the ERP although the connector heard it was given up. */
export interface LandingAfterGivenUp {
  exportId: string;
  fact: string;
  heardAt: Date;
  /** The attempt that sent it (for one found in the ERP: the first attempt, the earliest that may have). */
  sentBy: ExportAttemptRow;
  /** The attempt started before the fact was heard: it was in flight then, and its landing is recorded, not a defect. */
  inFlightWhenHeard: boolean;
}

/**
 * Tells the landings of given-up exports apart: in flight when the connector heard the fact (the
 * sending attempt started before its `recorded_at`: an attempt reads the facts and starts under the
 * budget's lock, which the fact's insert also takes) or sent after it heard it (a defect: a given-up
 * export may only be asked for, never sent). Exports that did not land, or were never given up, are
 * left out.
 */
export function landingsAfterGivenUp(attempts: ExportAttemptRow[], heard: GivenUpHeardRow[]): LandingAfterGivenUp[] {
  const landings: LandingAfterGivenUp[] = [];
  for (const exportId of new Set(heard.map((h) => h.export_id))) {
    const own = attempts.filter((a) => a.export_id === exportId).sort((a, b) => a.attempt - b.attempt);
    const landing = own.find((a) => a.outcome === 'landed' || a.outcome === 'found_in_erp');
    if (!landing) continue;
    const sentBy = landing.outcome === 'landed' ? landing : own[0];
    const first = heard.filter((h) => h.export_id === exportId).sort((a, b) => a.recorded_at.getTime() - b.recorded_at.getTime())[0];
    landings.push({ exportId, fact: first.fact, heardAt: first.recorded_at, sentBy, inFlightWhenHeard: sentBy.started_at.getTime() < first.recorded_at.getTime() });
  }
  return landings;
}

/** Whether the approver's view names a timed-out export of the budget that the ERP holds all the same. */
async function landedAfterTimeout(client: PlatformClient, budgetId: string): Promise<boolean> {
  const review = await client.approval('approver', 'GET', `/erp-integrations/budgets/${budgetId}`);
  const landed = (review.body?.landedAfterGivenUp ?? []) as { givenUp?: { timedOut?: boolean } }[];
  return landed.some((l) => l.givenUp?.timedOut === true);
}

/** A row of the notification service's email deliveries, as the ledger reads it. */
export interface EmailDeliveryRow {
  message_id: string;
  to_address: string;
  kind: string;
  sent_at: Date | null;
  abandoned_at: Date | null;
  attempts: number;
  last_error: string | null;
  claimed_until: Date | null;
}

export interface EmailTally {
  /** Distinct messages the sink received, by notification kind. */
  byKind: Record<string, number>;
  /** Extra copies under a Message-ID the sink already had: a resend of the same email after a crash. */
  resent: number;
  /** A kind and recipient that received two different messages: one notification sent twice. */
  duplicated: string[];
  /** Deliveries the sink never received, with their state. */
  missing: string[];
}

/**
 * Ties one budget's email deliveries to what the SMTP sink received (count by Message-ID). Email is
 * at-least-once toward the mail server: a copy under a Message-ID already received is a resend,
 * which receivers can recognise, and is counted apart; a second Message-ID for the same kind and
 * recipient is a duplicate.
 */
export function tallyEmails(deliveries: EmailDeliveryRow[], sinkCount: ReadonlyMap<string, number>): EmailTally {
  const tally: EmailTally = { byKind: {}, resent: 0, duplicated: [], missing: [] };
  const perKindAndRecipient = new Map<string, number>();
  for (const delivery of deliveries) {
    const received = sinkCount.get(stripBrackets(delivery.message_id)) ?? 0;
    const distinct = Math.min(received, 1);
    tally.resent += received - distinct;
    tally.byKind[delivery.kind] = (tally.byKind[delivery.kind] ?? 0) + distinct;
    const key = `${delivery.kind} to ${delivery.to_address}`;
    perKindAndRecipient.set(key, (perKindAndRecipient.get(key) ?? 0) + distinct);
    if (received === 0) {
      const state = delivery.abandoned_at
        ? 'abandoned'
        : `${delivery.sent_at ? 'marked sent' : 'pending'}, ${delivery.attempts} attempts${delivery.claimed_until ? `, claimed until ${delivery.claimed_until.toISOString()}` : ''}${delivery.last_error ? `, last error ${delivery.last_error}` : ''}`;
      tally.missing.push(`email ${key} never reached the sink (${state})`);
    }
  }
  for (const [key, count] of perKindAndRecipient) if (count > 1) tally.duplicated.push(`email ${key} sent as ${count} different messages`);
  return tally;
}

/**
 * Counts, per budget: exports applied in the ERP, emails sent, events applied per consumer, and the
 * load's 5xx answers; reports what was lost, duplicated or unexpected.
 */
export async function buildLedger(input: LedgerInput): Promise<Ledger> {
  const { client, system, databasePrefix } = input;
  const allowed = new Set((input.allowedFailures ?? []).map((r) => r.toUpperCase()));
  const budgetIds = input.budgets.map((b) => b.budgetId).filter((id): id is string => id !== null);

  // Emails: the sink's messages, tied to budgets through the notification service's deliveries.
  const deliveries = await query<EmailDeliveryRow & { budget_id: string | null }>(
    databasePrefix,
    'notification',
    `SELECT d.message_id, d.to_address, d.sent_at, d.abandoned_at, d.attempts, d.last_error, d.claimed_until, n.kind, n.budget_id
       FROM email_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.company_id = $1`,
    [client.companyId],
  );
  const deliveryByMessageId = new Map(deliveries.map((d) => [stripBrackets(d.message_id), d]));
  const sink = await client.call<{ messageId: string; envelope: { to: string[] } }[]>(null, 'GET', `${client.urls.smtpInbox}/messages`);
  const companyEmails = new Set(Object.values(client.people).map((p) => p.email));
  const sinkCount = new Map<string, number>();
  const strayEmails: string[] = [];
  for (const message of sink.body) {
    if (!message.envelope.to.some((to) => companyEmails.has(to))) continue;
    const id = stripBrackets(message.messageId);
    sinkCount.set(id, (sinkCount.get(id) ?? 0) + 1);
    if (!deliveryByMessageId.has(id)) strayEmails.push(id);
  }

  // Events: every published outbox message about these budgets, and the inbox rows applying them.
  const published: { id: string; topic: string; budget_id: string; service: string }[] = [];
  const applied: { consumer_group: string; message_id: string; topic: string }[] = [];
  for (const service of SERVICES) {
    for (const row of await query<{ id: string; topic: string; budget_id: string }>(
      databasePrefix,
      service,
      `SELECT id::text, topic, payload->>'budgetId' AS budget_id FROM outbox_messages WHERE published_at IS NOT NULL AND payload->>'budgetId' = ANY($1)`,
      [budgetIds],
    )) {
      published.push({ ...row, service });
    }
    applied.push(...(await query<{ consumer_group: string; message_id: string; topic: string }>(databasePrefix, service, `SELECT consumer_group, message_id, topic FROM inbox_messages`)));
  }
  const consumersOf = new Map<string, Set<string>>();
  for (const row of applied) {
    if (!consumersOf.has(row.topic)) consumersOf.set(row.topic, new Set());
    consumersOf.get(row.topic)!.add(row.consumer_group);
  }
  // Exports the connector heard were given up, and their attempts: which of them landed, and whether in flight when heard.
  const givenUpHeard = await query<GivenUpHeardRow & { budget_id: string }>(
    databasePrefix,
    'erp-connector',
    `SELECT export_id, fact, recorded_at, budget_id FROM erp_export_facts WHERE fact = ANY($1) AND budget_id = ANY($2)`,
    [GIVEN_UP_FACTS, budgetIds],
  );
  const givenUpAttempts = await query<ExportAttemptRow>(
    databasePrefix,
    'erp-connector',
    `SELECT export_id, attempt, started_at, outcome FROM erp_export_attempts WHERE export_id = ANY($1)`,
    [[...new Set(givenUpHeard.map((h) => h.export_id))]],
  );
  const appliedKeys = new Set(applied.map((a) => `${a.consumer_group}|${a.message_id}`));
  const appliedBy = new Map<string, string[]>();
  for (const a of applied) appliedBy.set(a.message_id, [...(appliedBy.get(a.message_id) ?? []), a.consumer_group]);

  const entries: LedgerEntry[] = [];
  for (const driven of input.budgets) {
    const entry: LedgerEntry = {
      index: driven.index,
      budgetId: driven.budgetId,
      status: null,
      failureReason: null,
      erpExports: 0,
      emails: {},
      emailsResent: 0,
      eventsPublished: 0,
      eventsApplied: {},
      syncedBeforeErpLoss: false,
      lost: [],
      duplicated: [],
      unexpected: [],
    };
    entries.push(entry);
    const label = `budget ${driven.index} (${driven.budgetId ?? 'not created'})`;
    const job = await client.simulator('GET', `/_sim/${system}/jobs/${driven.jobNumber}?companyId=${encodeURIComponent(client.companyId)}`);
    const erpExports = job.status === 200 ? (job.body.exports as { idempotencyKey: string; posted: boolean }[]) : [];
    entry.erpExports = erpExports.length;
    if (!driven.budgetId) {
      entry.lost.push(`${label}: never created (${driven.stuckAt})`);
      continue;
    }
    const budget = await client.budget('pm', 'GET', `/budgets/${driven.budgetId}`);
    entry.status = budget.status === 200 ? (budget.body.erpStatus as string) : `HTTP ${budget.status}`;
    if (entry.status === 'failed_to_export') {
      const review = await client.approval('approver', 'GET', `/erp-integrations/budgets/${driven.budgetId}`);
      const reason = review.body?.failure?.reasonCode as string | undefined;
      entry.failureReason = reason ?? 'unknown';
      if (!reason) entry.lost.push(`${label}: failed_to_export, but the approver's view names no reason (${JSON.stringify(review.body?.failure ?? null)}, ${review.status})`);
      else if (!allowed.has(reason.toUpperCase())) entry.unexpected.push(`${label}: failed_to_export with ${reason}`);
    } else if (entry.status === 'awaiting_posting' && allowed.has('TIMEOUT') && driven.postRequestedAt === null && erpExports.length === 1 && (await landedAfterTimeout(client, driven.budgetId))) {
      // Timed out, then landed all the same: the platform shows it as the ERP's, awaiting a posting
      // nobody asked the ERP for. Only an attempt in flight when the connector heard the timeout may
      // have sent it (checked below from the connector's attempts and facts).
      entry.landedAfterGivenUp = true;
    } else if (entry.status !== 'synced') {
      entry.lost.push(`${label}: ended ${entry.status}${driven.stuckAt ? ` (stuck at ${driven.stuckAt})` : ''}`);
    }
    for (const landing of landingsAfterGivenUp(givenUpAttempts, givenUpHeard.filter((h) => h.budget_id === driven.budgetId))) {
      const when = `heard ${landing.fact} at ${landing.heardAt.toISOString()}, attempt ${landing.sentBy.attempt} started at ${landing.sentBy.started_at.toISOString()}`;
      if (landing.inFlightWhenHeard) entry.landedInFlightWhenHeard = true;
      else entry.unexpected.push(`${label}: export ${landing.exportId} was sent to the ERP after the connector heard it was given up (${when})`);
    }
    if (entry.erpExports > 1) entry.duplicated.push(`${label}: ${entry.erpExports} exports applied in the ERP`);
    const postedBeforeLoss = input.erpStateLostAt !== undefined && driven.postRequestedAt !== null && driven.postRequestedAt < input.erpStateLostAt;
    if (entry.status === 'synced' && entry.erpExports === 0 && postedBeforeLoss) {
      entry.syncedBeforeErpLoss = true;
    } else if (entry.status === 'synced' && !erpExports.some((e) => e.posted)) {
      entry.lost.push(`${label}: synced without its export posted in the ERP (${entry.erpExports} exports there)`);
    }

    // Emails about this budget: one message per kind and recipient, and the ones its outcome calls for.
    const emails = tallyEmails(
      deliveries.filter((d) => d.budget_id === driven.budgetId),
      sinkCount,
    );
    entry.emails = emails.byKind;
    entry.emailsResent = emails.resent;
    entry.lost.push(...emails.missing.map((m) => `${label}: ${m}`));
    entry.duplicated.push(...emails.duplicated.map((d) => `${label}: ${d}`));
    const expectedKinds = ['budget_accepted', ...(entry.status === 'synced' ? ['erp_posted'] : []), ...(entry.status === 'failed_to_export' ? ['export_failed'] : [])];
    for (const kind of expectedKinds) if (!entry.emails[kind]) entry.lost.push(`${label}: no ${kind} email`);

    // Events about this budget: each applied once by every consumer group of its topic.
    const events = published.filter((p) => p.budget_id === driven.budgetId);
    entry.eventsPublished = events.length;
    for (const event of events) {
      for (const group of appliedBy.get(event.id) ?? []) entry.eventsApplied[group] = (entry.eventsApplied[group] ?? 0) + 1;
      for (const group of consumersOf.get(event.topic) ?? []) {
        if (!appliedKeys.has(`${group}|${event.id}`)) entry.lost.push(`${label}: ${event.topic} event ${event.id} (from ${event.service}) not applied by ${group}`);
      }
    }
  }

  const serverErrors = input.tally.serverErrors();
  const globalUnexpected: string[] = [
    ...Object.entries(serverErrors)
      .filter(([status]) => status !== '503')
      .map(([status, count]) => `${count} answers ${status}`),
    ...strayEmails.map((id) => `email ${id} in the sink matches no delivery`),
  ];
  const unexpectedAnswers = input.budgets.flatMap((b) =>
    b.duplicateAnswers.filter((s) => s >= 500 || s === 0).map((s) => `budget ${b.index}: a duplicated command answered ${s || 'nothing'}`),
  );
  globalUnexpected.push(...unexpectedAnswers);

  const emailsResent = entries.reduce((n, e) => n + e.emailsResent, 0);
  const allowedEmailResends = input.allowedEmailResends ?? 0;
  const resendFindings =
    emailsResent > allowedEmailResends
      ? [
          `${emailsResent} emails reached the sink again under a Message-ID it already had (${entries
            .filter((e) => e.emailsResent > 0)
            .map((e) => `budget ${e.index}: ${e.emailsResent}`)
            .join(', ')}); this fault allows ${allowedEmailResends}`,
        ]
      : [];

  const findings = [...entries.flatMap((e) => [...e.lost, ...e.duplicated, ...e.unexpected]), ...resendFindings, ...globalUnexpected];
  const failed: Record<string, number> = {};
  for (const e of entries) if (e.status === 'failed_to_export') failed[e.failureReason ?? 'unknown'] = (failed[e.failureReason ?? 'unknown'] ?? 0) + 1;
  return {
    fault: input.fault,
    entries,
    serverErrors,
    unanswered: input.tally.unanswered(),
    lost: entries.reduce((n, e) => n + e.lost.length, 0),
    duplicated: entries.reduce((n, e) => n + e.duplicated.length, 0) + resendFindings.length,
    emailsResent,
    unexpected: entries.reduce((n, e) => n + e.unexpected.length, 0) + globalUnexpected.length,
    findings,
    synced: entries.filter((e) => e.status === 'synced').length,
    syncedBeforeErpLoss: entries.filter((e) => e.syncedBeforeErpLoss).length,
    failed,
  };
}

/** The ledger once things have settled: rebuilt until nothing is lost (events and emails still in flight), or time runs out. */
export async function settledLedger(input: LedgerInput, timeoutMs = 30000): Promise<Ledger> {
  const deadline = Date.now() + timeoutMs;
  let ledger = await buildLedger(input);
  while (ledger.lost > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    ledger = await buildLedger(input);
  }
  return ledger;
}

/** The ledger table: one row per fault. */
export function formatLedgerTable(ledgers: Ledger[]): string {
  const header = ['fault', 'budgets', 'synced', 'failed (reason)', 'ERP exports', 'emails', 'resent', 'events applied', '5xx by status', 'no answer', 'lost', 'dup', 'unexp'];
  const rows = ledgers.map((l) => [
    l.fault,
    String(l.entries.length),
    (l.syncedBeforeErpLoss ? `${l.synced} (${l.syncedBeforeErpLoss} before ERP loss)` : String(l.synced)) +
      (l.entries.some((e) => e.landedAfterGivenUp)
        ? `, ${l.entries.filter((e) => e.landedAfterGivenUp).length} landed after timeout (${l.entries.filter((e) => e.landedAfterGivenUp && e.landedInFlightWhenHeard).length} in flight when heard)`
        : ''),
    Object.entries(l.failed).map(([r, n]) => `${n} ${r}`).join(', ') || '0',
    String(l.entries.reduce((n, e) => n + e.erpExports, 0)),
    String(l.entries.reduce((n, e) => n + Object.values(e.emails).reduce((a, b) => a + b, 0), 0)),
    String(l.emailsResent),
    String(l.entries.reduce((n, e) => n + Object.values(e.eventsApplied).reduce((a, b) => a + b, 0), 0)),
    Object.entries(l.serverErrors).map(([s, n]) => `${n}×${s}`).join(', ') || '0',
    String(l.unanswered),
    String(l.lost),
    String(l.duplicated),
    String(l.unexpected),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
