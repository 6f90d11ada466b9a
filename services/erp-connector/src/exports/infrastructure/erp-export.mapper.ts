import type { ErpFailureCode } from '@budget-erp/contracts';
import type { ExportState, GivenUpFact } from '../domain/export';
import { ErpExportOrmEntity } from './erp-export.orm-entity';

type Known = Exclude<ExportState, { status: 'none' }>;

const iso = (d: Date | null): string => (d ? d.toISOString() : new Date(0).toISOString());

export function toDomain(row: ErpExportOrmEntity): Known {
  const base = { data: row.data, attempts: row.attempts };
  switch (row.status) {
    case 'requested':
      return { status: 'requested', ...base };
    case 'attempting':
      return { status: 'attempting', ...base, inFlight: row.inFlight, nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null, lastError: row.lastError };
    case 'succeeded':
      return {
        status: 'succeeded',
        ...base,
        erpReference: row.erpReference ?? '',
        exportedAt: iso(row.exportedAt),
        nextPostingCheckAt: iso(row.nextPostingCheckAt),
        postingChecks: row.postingChecks,
      };
    case 'failed':
      return { status: 'failed', ...base, reasonCode: (row.reasonCode ?? 'unknown') as ErpFailureCode, message: row.message ?? '', failedAt: iso(row.failedAt) };
    case 'posted':
      return { status: 'posted', ...base, erpReference: row.erpReference ?? '', exportedAt: iso(row.exportedAt), postedAt: iso(row.postedAt) };
    case 'cancelled':
      return { status: 'cancelled', ...base, reason: (row.cancelledReason ?? 'superseded') as GivenUpFact, cancelledAt: iso(row.cancelledAt) };
    default:
      throw new Error(`Unknown export status ${row.status}`);
  }
}

/** Writes the state's fields onto the row; the row keeps its identity, version and lease. */
export function toRow(state: Known, row: ErpExportOrmEntity = new ErpExportOrmEntity()): ErpExportOrmEntity {
  row.exportId = state.data.exportId;
  row.companyId = state.data.companyId;
  row.system = state.data.system;
  row.status = state.status;
  row.data = state.data;
  row.attempts = state.attempts;
  row.inFlight = state.status === 'attempting' && state.inFlight;
  row.nextAttemptAt = state.status === 'attempting' && state.nextAttemptAt ? new Date(state.nextAttemptAt) : null;
  row.lastError = state.status === 'attempting' ? state.lastError : null;
  row.erpReference = state.status === 'succeeded' || state.status === 'posted' ? state.erpReference : null;
  row.exportedAt = state.status === 'succeeded' || state.status === 'posted' ? new Date(state.exportedAt) : null;
  row.reasonCode = state.status === 'failed' ? state.reasonCode : null;
  row.message = state.status === 'failed' ? state.message : null;
  row.failedAt = state.status === 'failed' ? new Date(state.failedAt) : null;
  row.nextPostingCheckAt = state.status === 'succeeded' ? new Date(state.nextPostingCheckAt) : null;
  row.postingChecks = state.status === 'succeeded' ? state.postingChecks : (row.postingChecks ?? 0);
  row.postedAt = state.status === 'posted' ? new Date(state.postedAt) : null;
  row.cancelledReason = state.status === 'cancelled' ? state.reason : null;
  row.cancelledAt = state.status === 'cancelled' ? new Date(state.cancelledAt) : null;
  row.createdAt = row.createdAt ?? new Date();
  return row;
}
