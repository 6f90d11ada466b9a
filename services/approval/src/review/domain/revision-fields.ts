import type { ExportKind, RevisionFields } from './budget-review';

export type RevisionInput = Partial<RevisionFields>;

export interface RevisionDefaults {
  /** Today in the company's time zone, `YYYY-MM-DD`. */
  today: string;
  /** The next revision number of the ERP job. */
  nextNumber: number;
  /** The accepting user's name. */
  approverName: string;
}

/**
 * The revision fields an accepted export carries: the approver's values, each missing one
 * defaulted. Original budgets carry none, whatever was given.
 */
export function resolveRevisionFields(
  kind: ExportKind,
  input: RevisionInput | undefined,
  defaults: RevisionDefaults,
): RevisionFields | null {
  if (kind === 'original') return null;
  return {
    type: input?.type ?? 'scope_change',
    date: input?.date ?? defaults.today,
    number: input?.number ?? defaults.nextNumber,
    status: input?.status ?? 'pending',
    approvedBy: input?.approvedBy?.trim() || defaults.approverName,
  };
}

/**
 * One formatter per time zone: building an `Intl.DateTimeFormat` costs far more than formatting
 * with it, and every acceptance asks. Only zones that exist are kept (a bounded set of names).
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormatIn(zone: string): Intl.DateTimeFormat {
  let format = dateFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(zone, format);
  }
  return format;
}

/** The calendar date of an instant in an IANA time zone; UTC when none or unknown. */
export function todayIn(timeZone: string | null | undefined, now: Date): string {
  if (timeZone) {
    try {
      return dateFormatIn(timeZone).format(now);
    } catch {
      // An unknown zone name falls back to UTC rather than blocking the approver.
    }
  }
  return dateFormatIn('UTC').format(now);
}

/** The number after the highest one the job has used. */
export function nextRevisionNumber(lastUsed: number | null): number {
  return (lastUsed ?? 0) + 1;
}
