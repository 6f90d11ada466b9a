import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LinesDigest, mayAttemptExport, Topics, type ErpSystem } from '@budget-erp/contracts';
import { OutboxWriter, type ReceivedEvent } from '@budget-erp/messaging';
import { adapterFor } from '../../../erp-adapters/erp-adapter.registry';
import { applyAll, decide, type ExportData, type GivenUpFact, type SendLinesCheck } from '../../domain/export';
import { ExportLinesTally } from '../../domain/export-lines';
import { ErpExportRepository } from '../../infrastructure/erp-export.repository';
import { ErpSendRepository, type AcceptedDecision, type SendSummary } from '../../infrastructure/erp-send.repository';
import { exportFailedPayload } from '../export-events';

/**
 * What hearing an event did: whether it recorded an export for an ERP's workers to attempt, and
 * the ERPs whose workers have a given-up export to cancel now.
 */
export interface IntakeOutcome {
  recorded: { system: ErpSystem; exportId: string; failedAtOnce: boolean } | null;
  givenUp: ErpSystem[];
}

const nothingRecorded: IntakeOutcome = { recorded: null, givenUp: [] };

/**
 * Records what the connector hears about exports (a send's summary and chunks, the acceptance, and
 * whatever gives an export up) and, once an export may be attempted and its send is complete and
 * intact, records the export for its ERP's workers, in the same transaction and before any ERP call.
 * Every event of a budget is applied under that budget's lock, so any arrival order, on any process,
 * ends the same.
 */
@Injectable()
export class ExportIntakeHandler {
  constructor(
    @Inject(ErpSendRepository) private readonly sends: ErpSendRepository,
    @Inject(ErpExportRepository) private readonly exports: ErpExportRepository,
    @Inject(OutboxWriter) private readonly outbox: OutboxWriter,
  ) {}

  async onSent(manager: EntityManager, event: ReceivedEvent<'budget.sent'>): Promise<IntakeOutcome> {
    const summary = event.payload;
    await this.sends.lockBudget(manager, summary.budgetId);
    await this.sends.insertSend(manager, summary);
    await this.sends.recordFact(manager, summary.exportId, summary.budgetId, 'sent');
    const superseded = await this.sends.recordSupersession(manager, summary);
    const outcome = await this.requestIfReady(manager, summary.exportId);
    return { ...outcome, givenUp: await this.dueNow(manager, superseded) };
  }

  async onLines(manager: EntityManager, event: ReceivedEvent<'budget.sent.lines'>): Promise<IntakeOutcome> {
    const chunk = event.payload;
    await this.sends.lockBudget(manager, chunk.budgetId);
    await this.sends.insertChunk(manager, chunk);
    return this.requestIfReady(manager, chunk.exportId);
  }

  async onAccepted(manager: EntityManager, event: ReceivedEvent<'budget.accepted'>): Promise<IntakeOutcome> {
    const p = event.payload;
    const decision: AcceptedDecision = {
      description: p.description,
      revision: p.revision,
      acceptedBy: p.acceptedBy,
      acceptedAt: p.acceptedAt,
      correlationId: event.correlationId,
      causationId: event.id,
    };
    await this.sends.lockBudget(manager, p.budgetId);
    await this.sends.recordFact(manager, p.exportId, p.budgetId, 'accepted', decision);
    return this.requestIfReady(manager, p.exportId);
  }

  /** Retrieved, rejected or timed out: the export must not reach the ERP any more (its worker cancels it). */
  async onGivenUp(manager: EntityManager, payload: { exportId: string; budgetId: string }, fact: Exclude<GivenUpFact, 'superseded'>): Promise<IntakeOutcome> {
    await this.sends.lockBudget(manager, payload.budgetId);
    await this.sends.recordFact(manager, payload.exportId, payload.budgetId, fact);
    return { recorded: null, givenUp: await this.dueNow(manager, [payload.exportId]) };
  }

  /** Given-up exports waiting for a retry become due now, so their workers cancel them without waiting out the delay. */
  private async dueNow(manager: EntityManager, exportIds: string[]): Promise<ErpSystem[]> {
    const systems = new Set<ErpSystem>();
    for (const exportId of exportIds) {
      const system = await this.exports.dueNow(manager, exportId);
      if (system) systems.add(system as ErpSystem);
    }
    return [...systems];
  }

  private async requestIfReady(manager: EntityManager, exportId: string): Promise<IntakeOutcome> {
    const heard = await this.sends.heard(manager, exportId);
    if (!mayAttemptExport(heard.facts) || !heard.accepted) return nothingRecorded;
    const send = await this.sends.send(manager, exportId);
    if (!send || (await this.sends.chunksHeld(manager, exportId, send.chunkCount)) < send.chunkCount) return nothingRecorded;
    if (await this.exports.exists(manager, exportId)) return nothingRecorded;

    const { data, lines } = await this.readSend(manager, send, heard.accepted);
    const adapter = adapterFor(send.erpSystem);
    const decision = decide({ status: 'none' }, { type: 'RequestExport', data, lines, capabilities: adapter.capabilities, erpName: adapter.displayName, now: new Date().toISOString() });
    if (!decision.ok) return nothingRecorded;
    const state = applyAll({ status: 'none' }, decision.events);
    if (state.status === 'none' || !(await this.exports.insert(manager, state))) return nothingRecorded;
    if (state.status === 'failed') {
      const trace = { correlationId: data.correlationId, causationId: data.causationId };
      await this.outbox.publish(manager, { topic: Topics.ExportFailed, subject: data.budgetId, companyId: data.companyId, payload: exportFailedPayload(state), ...trace });
    }
    return { recorded: { system: send.erpSystem, exportId, failedAtOnce: state.status === 'failed' }, givenUp: [] };
  }

  /** Reads the send's lines a chunk at a time, in order: their digest, and what the ERP will receive. */
  private async readSend(manager: EntityManager, send: SendSummary, accepted: AcceptedDecision): Promise<{ data: ExportData; lines: SendLinesCheck }> {
    const digest = new LinesDigest();
    const tally = new ExportLinesTally(send.kind);
    for (let chunk = 0; chunk < send.chunkCount; chunk += 1) {
      const lines = await this.sends.chunkLines(manager, send.exportId, chunk);
      digest.update(lines);
      tally.add(lines);
    }
    const digestMatches = digest.lineCount === send.lineCount && digest.digest() === send.linesDigest;
    const data: ExportData = {
      exportId: send.exportId,
      budgetId: send.budgetId,
      projectId: send.projectId,
      companyId: send.companyId,
      system: send.erpSystem,
      jobNumber: send.jobNumber,
      kind: send.kind,
      idempotencyKey: send.exportId,
      description: accepted.description,
      revision: send.kind === 'revision' ? accepted.revision : null,
      chunkCount: send.chunkCount,
      lineCount: send.lineCount,
      exportedLineCount: tally.exported,
      total: send.total,
      sentBy: send.sentBy,
      acceptedBy: accepted.acceptedBy,
      createdBy: send.createdBy,
      correlationId: accepted.correlationId,
      causationId: accepted.causationId,
    };
    return { data, lines: tally.check(digestMatches) };
  }
}
