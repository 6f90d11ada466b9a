import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Budget, BudgetCommand, BudgetEvent, decide, fold, UserRef } from '../domain/budget';
import type { ErpSystem } from '../domain/erp-system';
import { LoadedBudget, loadBudget, saveBudget, StaleBudgetError } from '../infrastructure/budget.repository';
import { exportsToSupersede, insertSaga, loadSaga, saveSaga } from '../../export-saga/infrastructure/export-saga.repository';
import { react, SagaMessage, startSaga } from '../../export-saga/domain/export-saga';
import { insertSendSnapshot, moveSyncedLinesByLanding } from '../infrastructure/export-snapshot.repository';
import { BudgetConfig, BUDGET_CONFIG } from '../../config';
import { publishStoredChunks, writeSendLines } from '../infrastructure/send-lines.repository';
import { BudgetUseCaseError, budgetNotFound, checkExpectedVersion, EventPublisher, EVENT_PUBLISHER } from './ports';

export interface CommandResult {
  budget: Budget;
  events: BudgetEvent[];
  version: number;
}

/**
 * The one path every budget change takes: load, decide, save with the version check, and publish
 * the integration events — all on the caller's transaction.
 */
@Injectable()
export class BudgetCommands {
  constructor(
    @Inject(EVENT_PUBLISHER) private readonly events: EventPublisher,
    @Inject(BUDGET_CONFIG) private readonly config: BudgetConfig,
  ) {}

  async execute(
    manager: EntityManager,
    companyId: string,
    budgetId: string,
    command: (budget: Budget) => BudgetCommand | Promise<BudgetCommand>,
    expectedVersion?: number,
  ): Promise<CommandResult> {
    const loaded = await loadBudget(manager, companyId, budgetId);
    if (!loaded) throw budgetNotFound(budgetId);
    checkExpectedVersion(budgetId, loaded.version, expectedVersion);
    return this.apply(manager, loaded.budget, loaded.version, await command(loaded.budget));
  }

  async create(manager: EntityManager, command: Extract<BudgetCommand, { type: 'CreateBudget' }>): Promise<CommandResult> {
    return this.apply(manager, { status: 'absent' }, null, command);
  }

  /** Applies a command to a loaded budget (or to none, for a creation). */
  async apply(
    manager: EntityManager,
    state: Budget | { status: 'absent' },
    version: number | null,
    command: BudgetCommand,
  ): Promise<CommandResult> {
    const decision = decide(state, command);
    if (!decision.ok) throw new BudgetUseCaseError('conflict', decision.error.code, decision.error.message);
    const next = fold(decision.events, state);
    if (next.status !== 'present') throw new Error('a decided budget is absent');
    if (decision.events.length === 0) return { budget: next, events: [], version: version ?? 0 };
    return this.applyEvents(manager, state.status === 'present' && version !== null ? { budget: state, version } : null, decision.events);
  }

  /** Saves and publishes events already decided on `loaded` (null: a creation), on the caller's transaction. */
  async applyEvents(manager: EntityManager, loaded: LoadedBudget | null, events: BudgetEvent[]): Promise<CommandResult> {
    const next = fold(events, loaded?.budget ?? { status: 'absent' });
    if (next.status !== 'present') throw new Error('a decided budget is absent');
    const saved = await saveBudget(manager, next, loaded);
    for (const event of events) await this.publish(manager, next, event);
    return { budget: next, events, version: saved };
  }

  /** Like `apply`, but answers a refusal instead of throwing it. */
  async applyOrRefusal(
    manager: EntityManager,
    state: Budget,
    version: number,
    command: BudgetCommand,
  ): Promise<{ code: string; message: string } | null> {
    const decision = decide(state, command);
    if (!decision.ok) return decision.error;
    await this.apply(manager, state, version, command);
    return null;
  }

  private async publish(manager: EntityManager, budget: Budget, event: BudgetEvent): Promise<unknown> {
    const base = { budgetId: budget.id, projectId: budget.projectId, companyId: budget.companyId };
    const keyed = { subject: budget.id, companyId: budget.companyId };
    switch (event.type) {
      case 'BudgetLocked':
        return this.events.publish(manager, { ...keyed, topic: 'budget.locked', payload: { ...base, lockedBy: user(event.by), lockedAt: event.at } });
      case 'BudgetUnlocked':
        return this.events.publish(manager, {
          ...keyed,
          topic: 'budget.unlocked',
          payload: { ...base, unlockedBy: event.by && user(event.by), cause: event.cause, modifications: event.modifications, unlockedAt: event.at },
        });
      case 'BudgetSent': {
        // The lines cross the wire once: a summary, and the lines in ordered chunks, in this transaction.
        // The service's send streamed them into the snapshot already (`stored`); a send decided on a
        // budget loaded whole stores them here.
        const { hold, snapshot } = event;
        const ids = { exportId: hold.exportId, budgetId: budget.id, companyId: budget.companyId, projectId: budget.projectId };
        const stored = event.stored ?? (await writeSendLines(manager, ids, snapshot.lines));
        await insertSendSnapshot(manager, { ...ids, hold, snapshot, createdBy: budget.createdBy, ...stored });
        await insertSaga(
          manager,
          startSaga({
            exportId: hold.exportId,
            budgetId: budget.id,
            companyId: budget.companyId,
            projectId: budget.projectId,
            erpSystem: hold.erpSystem,
            kind: hold.kind,
            sentBy: nameOf(hold.sentBy),
            at: event.at,
          }),
        );
        for (const older of await exportsToSupersede(manager, budget.id, hold.exportId)) {
          await this.hear(manager, older, { type: 'budget.sent.superseded', at: event.at, byExportId: hold.exportId });
        }
        const { lines: _lines, ...summary } = snapshot;
        const sentEnvelope = await this.events.publish(manager, {
          ...keyed,
          topic: 'budget.sent',
          payload: {
            ...base, ...summary, exportId: hold.exportId, sentBy: user(hold.sentBy), createdBy: user(budget.createdBy), sentAt: event.at,
            lineCount: stored.lineCount, chunkCount: stored.chunkCount, linesDigest: stored.linesDigest,
          },
        });
        await publishStoredChunks(manager, sentEnvelope, { ...ids, chunkCount: stored.chunkCount });
        return;
      }
      case 'BudgetRetrieved':
        await this.hear(manager, event.exportId, { type: 'budget.retrieved', at: event.at, by: nameOf(event.by) });
        return this.events.publish(manager, {
          ...keyed,
          topic: 'budget.retrieved',
          payload: { ...base, exportId: event.exportId, retrievedBy: user(event.by), retrievedAt: event.at },
        });
      case 'SendWithdrawn':
        await this.hear(manager, event.exportId, { type: 'budget.retrieved', at: event.at, by: `the platform, because ${event.because}` });
        return this.events.publish(manager, {
          ...keyed,
          topic: 'budget.retrieved',
          payload: { ...base, exportId: event.exportId, retrievedBy: PLATFORM, retrievedAt: event.at },
        });
      case 'ExportRejected':
        return this.events.publish(manager, {
          ...keyed,
          topic: 'budget.unlocked',
          payload: { ...base, unlockedBy: null, cause: 'rejected', modifications: 'none', unlockedAt: event.at },
        });
      case 'ReimportRequested': {
        const link = await manager.query('SELECT erp_system, job_number FROM project_links WHERE company_id = $1 AND project_id = $2', [budget.companyId, budget.projectId]);
        const [{ erp_system: erpSystem, job_number: jobNumber }] = link as { erp_system: ErpSystem; job_number: string }[];
        return this.events.publish(manager, {
          ...keyed,
          topic: 'budget.import.requested',
          payload: { ...base, importId: event.run.importId, erpSystem, jobNumber, mode: event.run.mode ?? 'reimport', ...(event.run.erpDigest ? { erpDigest: event.run.erpDigest } : {}), requestedBy: user(event.run.requestedBy), requestedAt: event.at },
        });
      }
      case 'ExportHoldRetaken':
        if (!event.relocked) return;
        return this.events.publish(manager, {
          ...keyed,
          topic: 'budget.locked',
          payload: { ...base, lockedBy: user(event.hold.sentBy), lockedAt: event.at },
        });
      case 'ExportLanded':
        // Decided on a budget loaded without what the ERP holds: the database moves it by the export's stored lines.
        if (event.syncedLines === null) await moveSyncedLinesByLanding(manager, budget.id, event.exportId);
        return;
      case 'BudgetCreated':
      case 'LineAdded':
      case 'LineUpdated':
      case 'LineRemoved':
      case 'ModificationCreated':
      case 'ModificationApproved':
      case 'ModificationDeleted':
      case 'ExportStatusChanged':
      case 'ExportReleased':
      case 'ExportPosted':
      case 'ImportCompleted':
      case 'ImportFailed':
        return;
      default: {
        const unexpected: never = event;
        throw new Error(`unpublished budget event ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /**
   * The saga of an export hears a fact the budget itself produced (a retrieval, a newer send), in
   * the same transaction. Its effects are already carried out: the budget made that move itself.
   */
  private async hear(manager: EntityManager, exportId: string, message: SagaMessage): Promise<void> {
    const loaded = await loadSaga(manager, exportId);
    if (!loaded) return;
    const reaction = react(loaded.saga, message, { timeoutMs: this.config.exportTimeoutMs });
    if (reaction.saga !== loaded.saga) await saveSaga(manager, reaction.saga, loaded);
  }
}

const user = (u: UserRef): UserRef => ({ userId: u.userId, name: u.name, email: u.email });
const nameOf = (u: UserRef): string => u.name || u.userId;

/** Who withdraws a send the platform itself takes back. */
const PLATFORM: UserRef = { userId: 'budget-service', name: 'Budget service', email: '' };

export { StaleBudgetError };
