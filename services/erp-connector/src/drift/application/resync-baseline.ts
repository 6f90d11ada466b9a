import type { EntityManager } from 'typeorm';
import type { ExportFact } from '@budget-erp/contracts';
import { erpLinesOf } from '../../exports/domain/export-lines';
import type { ExportData } from '../../exports/domain/export';
import type { ErpSendRepository } from '../../exports/infrastructure/erp-send.repository';
import { baselineAfterImport, baselineAfterPosting, type BaselineLine } from '../domain/drift';
import { DriftBaselines } from '../infrastructure/drift-baseline.repository';
import type { ImportRequest } from '../../imports/application/import-erp-budget.handler';

const GIVEN_UP: readonly ExportFact[] = ['superseded', 'rejected', 'retrieved', 'timed_out'];

/**
 * An export of the budget was posted: its job should now hold what the export moved, and is
 * compared with it at once. An export the platform had given up (superseded, rejected, retrieved,
 * timed out) that landed and was posted anyway is not the platform's: the baseline stays as it was,
 * so the comparison shows what it changed in the ERP as drift.
 */
export async function resyncAfterPosting(manager: EntityManager, sends: ErpSendRepository, data: ExportData): Promise<void> {
  const existing = await DriftBaselines.find(manager, data.companyId, data.budgetId, true);
  const heard = await sends.heard(manager, data.exportId);
  const summary = await sends.send(manager, data.exportId);
  const origin = existing?.origin ?? summary?.origin ?? 'platform';
  let lines: BaselineLine[] = existing?.lines ?? [];
  if (!GIVEN_UP.some((fact) => heard.facts.has(fact))) {
    const exported: BaselineLine[] = [];
    for (let chunk = 0; chunk < data.chunkCount; chunk += 1) exported.push(...erpLinesOf(data.kind, await sends.chunkLines(manager, data.exportId, chunk)));
    lines = baselineAfterPosting(lines, data.kind, exported);
  }
  await DriftBaselines.resync(manager, { companyId: data.companyId, budgetId: data.budgetId, projectId: data.projectId, system: data.system, jobNumber: data.jobNumber, origin, lines, trigger: 'posting' });
}

/** The budget took the ERP budget (an import or re-import): the ERP-origin baseline is exactly those lines, compared again at once. */
export async function resyncAfterImport(manager: EntityManager, request: ImportRequest, imported: readonly BaselineLine[]): Promise<void> {
  if (!request.budgetId) return;
  await DriftBaselines.resync(manager, {
    companyId: request.companyId,
    budgetId: request.budgetId,
    projectId: request.projectId,
    system: request.system,
    jobNumber: request.jobNumber,
    origin: 'erp',
    lines: baselineAfterImport(imported),
    trigger: 'import',
  });
}
