import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { Topics, type ErpFailureCode, type ErpSystem, type UserRef } from '@budget-erp/contracts';
import { compareAmounts, normalizeAmount, sumAmounts } from '@budget-erp/money';
import { OutboxWriter } from '@budget-erp/messaging';
import { ErpConnectionsService } from '../../connections/application/erp-connections.service';
import type { ErpLine, ErpResult } from '../../erp-adapters/erp-adapter';
import { adapterFor } from '../../erp-adapters/erp-adapter.registry';

export interface ImportRequest {
  importId?: string;
  companyId: string;
  projectId: string;
  budgetId: string | null;
  system: ErpSystem;
  jobNumber: string;
  mode: 'initial_overwrite' | 'initial_keep_and_add' | 'reimport';
  requestedBy: UserRef;
  /** The digest of the ERP budget the user previewed: only that ERP budget is applied. */
  erpDigest?: string | null;
}

/** The ERP budget an import applies: the lines above $0 (amounts normalized), their total and a digest that names exactly these lines. */
export interface ErpBudget {
  lines: ErpLine[];
  total: string;
  digest: string;
}

export function erpBudgetOf(read: readonly ErpLine[]): ErpBudget {
  const lines = read
    .filter((l) => compareAmounts(l.amount, '0') > 0)
    .map((l) => ({ costCode: l.costCode, costType: l.costType, subJob: l.subJob, description: l.description, amount: normalizeAmount(l.amount) }));
  const digest = createHash('sha256').update(JSON.stringify(lines)).digest('base64url');
  return { lines, total: sumAmounts(lines.map((l) => l.amount)), digest };
}

/** The ERP read an import applies: a previewed import whose ERP budget changed since fails with `erp_changed`. */
export function previewedOrChanged(request: ImportRequest, read: ErpResult<ErpLine[]>): ErpResult<ErpLine[]> {
  if (!read.ok || !request.erpDigest) return read;
  const now = erpBudgetOf(read.value);
  if (now.digest === request.erpDigest) return read;
  return {
    ok: false,
    error: { kind: 'permanent', code: 'erp_changed', message: `The ERP budget of job ${request.jobNumber} changed since it was previewed (its total is now ${now.total}); preview the import again` },
  };
}

export type ImportOutcome =
  | { importId: string; status: 'imported'; total: string; lines: number }
  | { importId: string; status: 'failed'; reasonCode: ErpFailureCode; message: string };

/** Reads the job's budget from the ERP and publishes it (lines above $0 only), or why it could not. */
@Injectable()
export class ImportErpBudgetHandler {
  constructor(
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
    @Inject(ErpConnectionsService) private readonly connections: ErpConnectionsService,
  ) {}

  /** Asks the ERP for the job's budget: reads the connection in its own short transaction and calls the ERP outside any. */
  async read(db: DataSource, request: ImportRequest): Promise<ErpResult<ErpLine[]>> {
    const resolved = await db.transaction((m) => this.connections.connectionOrFailureFor(m, request.companyId));
    if (!resolved) return { ok: false, error: { kind: 'permanent', code: 'connection_missing', message: 'The company has no ERP connection' } };
    if ('failure' in resolved) return { ok: false, error: resolved.failure };
    return adapterFor(request.system).readBudget(resolved.connection, request.jobNumber);
  }

  async publish(manager: EntityManager, request: ImportRequest, read: ErpResult<ErpLine[]>): Promise<ImportOutcome> {
    const importId = request.importId ?? randomUUID();
    const base = { budgetId: request.budgetId, projectId: request.projectId, companyId: request.companyId, importId, requestedBy: request.requestedBy };
    const subject = request.budgetId ?? request.projectId;
    if (!read.ok) {
      await this.outbox.publish(manager, {
        topic: Topics.ErpBudgetImportFailed,
        subject,
        companyId: request.companyId,
        payload: { ...base, reasonCode: read.error.code, message: read.error.message, failedAt: new Date().toISOString() },
      });
      return { importId, status: 'failed', reasonCode: read.error.code, message: read.error.message };
    }
    const { lines, total } = erpBudgetOf(read.value);
    await this.outbox.publish(manager, {
      topic: Topics.ErpBudgetImported,
      subject,
      companyId: request.companyId,
      payload: { ...base, mode: request.mode, erpSystem: request.system, jobNumber: request.jobNumber, lines, total, importedAt: new Date().toISOString() },
    });
    return { importId, status: 'imported', total, lines: lines.length };
  }
}
