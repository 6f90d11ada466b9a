import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics } from '@budget-erp/contracts';
import { OutboxWriter, type ReceivedEvent } from '@budget-erp/messaging';
import { adapterFor } from '../../../erp-adapters/erp-adapter.registry';
import { applyAll, decide, type ExportData } from '../../domain/export';
import { linesToExport } from '../../domain/export-lines';
import { ErpExportRepository } from '../../infrastructure/erp-export.repository';
import { exportFailedPayload } from '../export-events';

/**
 * Records the export asked for by `budget.accepted` before any ERP call, so a crash never loses
 * it; the ERP worker picks it up from the table.
 */
@Injectable()
export class AcceptBudgetExportHandler {
  constructor(
    @Inject(ErpExportRepository) private readonly exports: ErpExportRepository,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {}

  /** Records the export; `data` is what was recorded (the worker may take it over instead of reading it back). */
  async execute(manager: EntityManager, event: ReceivedEvent<'budget.accepted'>): Promise<{ outcome: 'recorded' | 'duplicate' | 'failed_at_once'; data: ExportData }> {
    const p = event.payload;
    const adapter = adapterFor(p.snapshot.erpSystem);
    const data: ExportData = {
      exportId: p.exportId,
      budgetId: p.budgetId,
      projectId: p.projectId,
      companyId: p.companyId,
      system: p.snapshot.erpSystem,
      jobNumber: p.snapshot.jobNumber,
      kind: p.snapshot.kind,
      idempotencyKey: p.exportId,
      description: p.description,
      revision: p.snapshot.kind === 'revision' ? p.revision : null,
      lines: linesToExport(p.snapshot),
      total: p.snapshot.total,
      sentBy: p.sentBy,
      acceptedBy: p.acceptedBy,
      createdBy: p.createdBy,
      correlationId: event.correlationId,
      causationId: event.id,
    };
    const decision = decide({ status: 'none' }, { type: 'RequestExport', data, capabilities: adapter.capabilities, erpName: adapter.displayName, now: new Date().toISOString() });
    if (!decision.ok) return { outcome: 'duplicate', data };
    const state = applyAll({ status: 'none' }, decision.events);
    if (state.status === 'none') return { outcome: 'duplicate', data };
    if (!(await this.exports.insert(manager, state))) return { outcome: 'duplicate', data };
    if (state.status === 'failed') {
      await this.outbox.publish(manager, { topic: Topics.ExportFailed, subject: data.budgetId, companyId: data.companyId, payload: exportFailedPayload(state) });
      return { outcome: 'failed_at_once', data };
    }
    return { outcome: 'recorded', data };
  }
}
