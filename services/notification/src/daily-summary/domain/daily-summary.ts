import { html } from '../../notifications/domain/html';
import type { Person } from '../../notifications/domain/person';
import { erpDisplayName } from '../../notifications/domain/person';
import { hasEmailAddress } from '../../notifications/domain/plan-notifications';
import type { PlannedNotification } from '../../notifications/domain/plan-notifications';
import { type RenderedMessage, formatAmount } from '../../notifications/domain/templates';
import { type TrackedExport, statusOf } from './tracked-export';

export interface SummarySchedule {
  /** Hour of the day (0-23) in `timeZone` from which the day's summary is due. */
  sendHour: number;
  /** IANA time zone the day and hour are counted in. */
  timeZone: string;
}

/** An approver known to the service, with their choice about the summary. */
export interface Approver {
  companyId: string;
  person: Person;
  dailySummary: boolean;
}

function localParts(now: Date, timeZone: string): { day: string; hour: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { day: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')) };
}

/**
 * The day whose summary is due at `now`, or null before the send hour. After a restart later in
 * the day the day is still due, so a summary missed while the service was down still goes out.
 */
export function summaryDayDue(now: Date, schedule: SummarySchedule): string | null {
  const { day, hour } = localParts(now, schedule.timeZone);
  return hour >= schedule.sendHour ? day : null;
}

export const summaryDedupeKey = (companyId: string, userId: string, day: string): string =>
  `daily_summary:${companyId}:${userId}:${day}`;

const approverWhoOptedOutGetsNoSummary = (approver: Approver): boolean => approver.dailySummary;

const sinceWhen = (item: TrackedExport): string => item.sent?.at ?? item.failure?.at ?? '';

/** Pending items of one company, oldest first. */
export function pendingItemsInOrder(items: TrackedExport[]): TrackedExport[] {
  return [...items].sort((a, b) => sinceWhen(a).localeCompare(sinceWhen(b)));
}

/**
 * The summaries due for `day`: one per approver who has pending items in their company, has not
 * opted out and has not had that day's summary yet.
 */
export function planDailySummaries(input: {
  day: string;
  approvers: Approver[];
  pendingByCompany: Map<string, TrackedExport[]>;
  alreadySent: Set<string>;
}): PlannedNotification[] {
  return input.approvers
    .filter(approverWhoOptedOutGetsNoSummary)
    .filter((a) => (input.pendingByCompany.get(a.companyId) ?? []).length > 0)
    .filter((a) => !input.alreadySent.has(summaryDedupeKey(a.companyId, a.person.userId, input.day)))
    .map((approver) => ({
      dedupeKey: summaryDedupeKey(approver.companyId, approver.person.userId, input.day),
      kind: 'daily_summary' as const,
      companyId: approver.companyId,
      budgetId: null,
      sourceEventId: null,
      recipient: approver.person,
      email: hasEmailAddress(approver.person),
      message: renderDailySummary(approver.person, input.day, input.pendingByCompany.get(approver.companyId)!),
    }));
}

export const DAILY_SUMMARY_SUBJECT = 'ERP Integrations Daily Summary';

function describe(item: TrackedExport): { title: string; detail: string } {
  const { sent, failure } = item;
  const name = sent ? `"${sent.budgetName}"` : `budget ${item.budgetId}`;
  const erpSystem = sent?.erpSystem ?? failure?.erpSystem;
  const jobNumber = sent?.jobNumber ?? failure?.jobNumber;
  const where = [erpSystem ? erpDisplayName(erpSystem) : null, jobNumber ? `job ${jobNumber}` : null].filter(Boolean).join(', ');
  const total = sent ? `total ${formatAmount(sent.total)}` : null;
  const title = [name, where, total].filter(Boolean).join(' — ');
  const detail =
    statusOf(item) === 'failed_to_export' && failure
      ? `failed to export (${failure.reasonCode}): ${failure.message}`
      : `awaiting acceptance${sent ? `, sent by ${sent.sentBy.name} on ${sent.at.slice(0, 10)}` : ''}`;
  return { title, detail };
}

export function renderDailySummary(approver: Person, day: string, items: TrackedExport[]): RenderedMessage {
  const ordered = pendingItemsInOrder(items);
  const awaiting = ordered.filter((i) => statusOf(i) === 'awaiting_acceptance');
  const failed = ordered.filter((i) => statusOf(i) === 'failed_to_export');
  const counts = `${awaiting.length} awaiting acceptance, ${failed.length} failed to export`;
  const sections = [
    { heading: 'Ready to export (awaiting your acceptance)', items: awaiting },
    { heading: 'Failed to Export', items: failed },
  ].filter((s) => s.items.length > 0);

  const text =
    `Hello ${approver.name},\n\n` +
    `Your ERP Integrations items for ${day}: ${counts}.\n\n` +
    sections
      .map((s) => `${s.heading}:\n` + s.items.map((i) => `- ${describe(i).title}: ${describe(i).detail}`).join('\n'))
      .join('\n\n') +
    '\n\nOpen ERP Integrations to accept or reject them.\n';

  const body = html`<!doctype html>
<html><body style="font-family:Arial,sans-serif;color:#222">
<h2 style="font-size:18px">${DAILY_SUMMARY_SUBJECT}</h2>
<p>Hello ${approver.name},</p>
<p>Your ERP Integrations items for ${day}: ${counts}.</p>
${sections.map(
  (s) => html`<h3 style="font-size:15px">${s.heading}</h3>
<ul>
${s.items.map((i) => html`<li><strong>${describe(i).title}</strong>: ${describe(i).detail}</li>\n`)}</ul>
`,
)}<p>Open ERP Integrations to accept or reject them.</p>
<p style="color:#777;font-size:12px">Budget ERP notifications. You can turn this summary off in your notification preferences.</p>
</body></html>`;

  return { subject: DAILY_SUMMARY_SUBJECT, text, html: body.value };
}
