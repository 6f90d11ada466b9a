import { compareAmounts, isZero, normalizeAmount, subtractAmounts } from '@budget-erp/money';
import type { ExportSnapshot } from '@budget-erp/contracts';
import type { ErpLine } from '../../erp-adapters/erp-adapter';

/**
 * The lines an export sends: every line above $0 for an original; for a revision, only what
 * changed since the last sync, as the amount moved (positive or negative).
 */
export function linesToExport(snapshot: ExportSnapshot): ErpLine[] {
  if (snapshot.kind === 'original') {
    return snapshot.lines
      .filter((l) => compareAmounts(l.amount, '0') !== 0)
      .map((l) => ({ costCode: l.costCode, costType: l.costType, subJob: l.subJob, description: l.description, amount: normalizeAmount(l.amount) }));
  }
  return snapshot.lines
    .map((l) => ({
      costCode: l.costCode,
      costType: l.costType,
      subJob: l.subJob,
      description: l.description,
      amount: subtractAmounts(l.amount, l.syncedAmount ?? '0'),
    }))
    .filter((l) => !isZero(l.amount));
}
