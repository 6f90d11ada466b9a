/**
 * The lifecycle of one export (one send of a budget), defined once. Every service that shows or
 * acts on an export's status keeps the facts it heard about it (a set: duplicates and arrival order
 * do not matter) and asks `exportStatusOf`, so budget, approval, the connector and notification
 * always agree.
 */

/** What can be heard about one export, each from its own event. */
export const EXPORT_FACTS = [
  'sent', // budget.sent
  'retrieved', // budget.retrieved
  'accepted', // budget.accepted
  'rejected', // budget.rejected
  'succeeded', // export.succeeded
  'failed', // export.failed
  'timed_out', // budget.export.timed_out
  'posted', // erp.posted
  'lost', // export.failed with reason erp_record_missing: it had succeeded, and the ERP no longer holds it
  'superseded', // budget.sent of the same budget with a later sentAt
] as const;
export type ExportFact = (typeof EXPORT_FACTS)[number];

export const EXPORT_STATUSES = [
  'awaiting_acceptance',
  'exporting',
  'failed_to_export',
  'awaiting_posting',
  'synced',
  'rejected',
  'retrieved',
  'superseded',
] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

export interface ExportStatusView {
  status: ExportStatus;
  /**
   * The ERP holds this export although the platform had given up on it (it was rejected,
   * retrieved or timed out first). It counts as what the ERP holds; an approver must see it.
   */
  landedAfterGivenUp: boolean;
}

/**
 * Facts from the strongest down, with the status each gives. The ERP's own facts come first: what
 * landed in the ERP is true whatever the platform decided meanwhile. A rejection outranks a failure
 * (a failed export is rejected to make the budget editable again), and a newer send outranks both.
 */
const PRECEDENCE: readonly [ExportFact, ExportStatus][] = [
  ['posted', 'synced'],
  ['succeeded', 'awaiting_posting'],
  ['superseded', 'superseded'],
  ['rejected', 'rejected'],
  ['retrieved', 'retrieved'],
  ['failed', 'failed_to_export'],
  ['timed_out', 'failed_to_export'],
  ['accepted', 'exporting'],
  ['sent', 'awaiting_acceptance'],
];

// Not 'superseded': a newer send follows a posted export as a matter of course (the next revision),
// and an export still in flight is superseded only after it was rejected or retrieved.
const GIVEN_UP: readonly ExportFact[] = ['rejected', 'retrieved', 'timed_out'];

/** The status of an export from the facts heard about it, in any order, with any duplicates. */
export function exportStatusOf(facts: Iterable<ExportFact>): ExportStatusView {
  const known = new Set(facts);
  // An export the ERP lost after it succeeded is not held there: it counts as failed, not as landed.
  if (known.has('lost') && !known.has('posted')) {
    known.delete('succeeded');
    known.add('failed');
  }
  const landed = known.has('succeeded') || known.has('posted');
  const landedAfterGivenUp = landed && GIVEN_UP.some((fact) => known.has(fact));
  for (const [fact, status] of PRECEDENCE) {
    if (known.has(fact)) return { status, landedAfterGivenUp };
  }
  // Nothing heard yet but, say, an acceptance's outcome: the export exists and waits.
  return { status: 'awaiting_acceptance', landedAfterGivenUp };
}

/**
 * Whether the connector may (still) send this export to the ERP: it was accepted and nothing has
 * superseded, withdrawn, rejected, timed out or settled it. Checked before every attempt, so an
 * export the platform gave up on never reaches the ERP.
 */
export function mayAttemptExport(facts: Iterable<ExportFact>): boolean {
  const known = new Set(facts);
  if (!known.has('accepted')) return false;
  return !(['retrieved', 'rejected', 'timed_out', 'superseded', 'succeeded', 'failed', 'posted', 'lost'] as const).some((fact) =>
    known.has(fact),
  );
}

/** Whether the export still holds its budget locked (it may yet land, or has landed unposted). */
export const holdsBudget = (status: ExportStatus): boolean =>
  status === 'awaiting_acceptance' || status === 'exporting' || status === 'failed_to_export' || status === 'awaiting_posting';

/** Adds a fact to a stored fact list, keeping it sorted and free of duplicates (for jsonb columns). */
export function withFact(facts: readonly ExportFact[], fact: ExportFact): ExportFact[] {
  if (facts.includes(fact)) return [...facts];
  return EXPORT_FACTS.filter((known) => known === fact || facts.includes(known));
}

/** One case of the lifecycle agreement test: facts in delivery order (with duplicates) and the expected view. */
export interface ExportFactCase {
  name: string;
  facts: ExportFact[];
  expected: ExportStatusView;
}

/** The fact sets a real export can produce, from a plain send to a late landing after a re-send. */
export const REALISTIC_FACT_SETS: readonly (readonly ExportFact[])[] = [
  ['sent'],
  ['sent', 'retrieved'],
  ['sent', 'retrieved', 'superseded'],
  ['sent', 'accepted'],
  ['sent', 'rejected'],
  ['sent', 'rejected', 'superseded'],
  ['sent', 'accepted', 'succeeded'],
  ['sent', 'accepted', 'succeeded', 'posted'],
  ['sent', 'accepted', 'succeeded', 'posted', 'superseded'],
  ['sent', 'accepted', 'succeeded', 'lost'],
  ['sent', 'accepted', 'failed'],
  ['sent', 'accepted', 'failed', 'rejected'],
  ['sent', 'accepted', 'failed', 'rejected', 'superseded'],
  ['sent', 'accepted', 'timed_out'],
  ['sent', 'accepted', 'timed_out', 'rejected'],
  ['sent', 'accepted', 'timed_out', 'succeeded'],
  ['sent', 'accepted', 'timed_out', 'rejected', 'superseded'],
  ['sent', 'accepted', 'timed_out', 'rejected', 'succeeded'],
  ['sent', 'accepted', 'timed_out', 'rejected', 'superseded', 'succeeded'],
  ['sent', 'accepted', 'retrieved'],
];

/** Deterministic pseudo-random numbers (mulberry32), so the cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * Every ordering of each realistic fact set (a sample of 24 for sets of five facts or more), each
 * also delivered once more with one fact repeated: the cases of the lifecycle agreement test.
 */
export function exportFactOrderings(options: { samplesPerLargeSet?: number } = {}): ExportFactCase[] {
  const samples = options.samplesPerLargeSet ?? 24;
  const next = random(20261205);
  const cases: ExportFactCase[] = [];
  for (const set of REALISTIC_FACT_SETS) {
    const all = permutations(set);
    const orderings = all.length <= samples ? all : shuffled(all, next).slice(0, samples);
    const expected = exportStatusOf(set);
    for (const ordering of orderings) {
      cases.push({ name: ordering.join(' → '), facts: ordering, expected });
      const repeated = ordering[Math.floor(next() * ordering.length)];
      const at = Math.floor(next() * (ordering.length + 1));
      const withDuplicate = [...ordering.slice(0, at), repeated, ...ordering.slice(at)];
      cases.push({ name: `${withDuplicate.join(' → ')} (${repeated} twice)`, facts: withDuplicate, expected });
    }
  }
  return cases;
}
