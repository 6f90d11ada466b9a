import { isZero, normalizeAmount, subtractAmounts } from '@budget-erp/money';
import type { SnapshotLine } from '@budget-erp/contracts';
import type { ErpLine } from '../../erp-adapters/erp-adapter';
import { NAMED_LINES_MAX, type SendLinesCheck } from './export';

/**
 * What the ERP receives for one line of a send, or null when it receives nothing for it: an
 * original sends every non-zero line at its amount; a revision only what changed since the last
 * sync, as the amount moved (positive or negative).
 */
export function erpLineOf(kind: 'original' | 'revision', line: SnapshotLine): ErpLine | null {
  const amount = kind === 'original' ? normalizeAmount(line.amount) : subtractAmounts(line.amount, line.syncedAmount ?? '0');
  if (isZero(amount)) return null;
  return { costCode: line.costCode, costType: line.costType, subJob: line.subJob, description: line.description, amount };
}

/** The lines an ERP receives for a slice of a send's lines, in order. */
export const erpLinesOf = (kind: 'original' | 'revision', lines: readonly SnapshotLine[]): ErpLine[] =>
  lines.flatMap((line) => {
    const erpLine = erpLineOf(kind, line);
    return erpLine ? [erpLine] : [];
  });

/** Counts, a slice at a time, what an export of a send's lines will send and what an ERP may refuse in it. */
export class ExportLinesTally {
  exported = 0;
  withSubJobs = 0;
  readonly namedWithSubJobs: string[] = [];

  constructor(private readonly kind: 'original' | 'revision') {}

  add(lines: readonly SnapshotLine[]): void {
    for (const line of erpLinesOf(this.kind, lines)) {
      this.exported += 1;
      if (line.subJob === null) continue;
      this.withSubJobs += 1;
      if (this.namedWithSubJobs.length < NAMED_LINES_MAX) this.namedWithSubJobs.push(`${line.costCode} (sub job ${line.subJob})`);
    }
  }

  check(digestMatches: boolean): SendLinesCheck {
    return { digestMatches, withSubJobs: this.withSubJobs, namedWithSubJobs: [...this.namedWithSubJobs] };
  }
}
