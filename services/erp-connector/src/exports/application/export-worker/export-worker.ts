import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Topics, type ErpSystem } from '@budget-erp/contracts';
import { OutageLog, Wakeup } from '@budget-erp/service-kit';
import type { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import type { ErpConnectionsService } from '../../../connections/application/erp-connections.service';
import type { ErpConnectorConfig } from '../../../config';
import type { ErpAdapter, ErpConnection, ErpError, ErpResult } from '../../../erp-adapters/erp-adapter';
import { CircuitBreaker } from '../../domain/circuit-breaker';
import { applyAll, decide, type ExportCommand, type ExportData } from '../../domain/export';
import { postingCheckDelayMs, retryDelayMs } from '../../domain/retry-policy';
import type { ErpExportRepository, LoadedExport } from '../../infrastructure/erp-export.repository';
import type { ExportMetrics } from '../../infrastructure/export-metrics';
import { erpPostedPayload, exportFailedPayload, exportSucceededPayload } from '../export-events';

export interface ExportWorkerDeps {
  dataSource: DataSource;
  uow: UnitOfWork;
  outbox: OutboxWriter;
  exports: ErpExportRepository;
  connections: ErpConnectionsService;
  config: ErpConnectorConfig;
  metrics?: ExportMetrics;
}

const BATCH = 10;
/** Exports whose recorded data a worker keeps for their first attempt (see `handOver`). */
const HANDED_OVER_MAX = 2 * BATCH;

/**
 * The export worker of one ERP: attempts due exports and checks postings, on its own loop and
 * circuit breaker, so a slow or down ERP only delays its own exports. Every step is persisted
 * before the ERP is called, so a restarted worker resumes where a crashed one stopped.
 */
export class ExportWorker {
  private readonly logger: Logger;
  private readonly outage: OutageLog;
  private readonly breaker: CircuitBreaker;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly wakeup = new Wakeup();
  private readonly inProgress = new Map<string, Promise<void>>();

  constructor(
    readonly adapter: ErpAdapter,
    private readonly deps: ExportWorkerDeps,
  ) {
    this.logger = new Logger(`ExportWorker:${adapter.system}`);
    this.outage = new OutageLog(this.logger, `export worker ${adapter.system}`);
    this.breaker = new CircuitBreaker({ threshold: deps.config.BREAKER_THRESHOLD, cooldownMs: deps.config.BREAKER_COOLDOWN_MS });
  }

  get system(): ErpSystem {
    return this.adapter.system;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * The data of exports this process just recorded, kept until their first attempt takes it: what
   * to export is fixed once recorded, so the attempt need not read megabytes of lines back. Bounded;
   * an export another process leases, or one evicted, is read from the database as usual.
   */
  private readonly handedOver = new Map<string, ExportData>();

  handOver(data: ExportData): void {
    this.handedOver.delete(data.exportId);
    this.handedOver.set(data.exportId, data);
    while (this.handedOver.size > HANDED_OVER_MAX) this.handedOver.delete(this.handedOver.keys().next().value as string);
    this.nudge();
  }

  /** Looks for due work now; a nudge that comes while a pass runs starts another pass after it. */
  nudge(): void {
    this.wakeup.nudge();
  }

  /** Stops leasing new work. Calls in flight are not awaited: their leases expire and another worker resumes them. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeup.interrupt();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.wakeup.beginPass();
      try {
        await this.tick();
        this.outage.passed();
      } catch (error) {
        if (this.running) this.outage.failed(error);
      }
      if (!this.running) break;
      await this.wakeup.wait(this.deps.config.EXPORT_POLL_MS);
    }
  }

  /**
   * One pass: lease what is due for this ERP and start it, without waiting for calls already in
   * flight, so one slow export does not hold up the next ones.
   */
  async tick(): Promise<void> {
    const room = BATCH - this.inProgress.size;
    if (room <= 0) return;
    const lease = this.deps.config.EXPORT_LEASE_MS;
    const { attempts, postings } = await this.deps.dataSource.transaction((m) => this.deps.exports.leaseDue(m, this.system, room, lease));
    for (const id of attempts) this.track(id, () => this.attempt(id));
    for (const id of postings) this.track(`posting:${id}`, () => this.checkPosting(id));
  }

  /** Waits for the work started so far (tests and shutdown of a healthy ERP). */
  async idle(): Promise<void> {
    await Promise.all([...this.inProgress.values()]);
  }

  private track(key: string, work: () => Promise<void>): void {
    if (this.inProgress.has(key)) return;
    const exportId = key.replace(/^posting:/, '');
    const promise = work()
      .catch((error: Error) => {
        if (this.running) this.logger.error(`export ${exportId}: ${error.message}`);
      })
      .finally(() => {
        this.inProgress.delete(key);
        this.nudge();
      });
    this.inProgress.set(key, promise);
  }

  /**
   * One transaction loads the export, takes the breaker's admission, records the attempt as
   * started and reads the company's connection; then the ERP is called outside any transaction.
   */
  private async attempt(exportId: string): Promise<void> {
    const { exports, uow, connections } = this.deps;
    let admitted = false;
    const started = await uow
      .run(async (m) => {
        const handed = this.handedOver.get(exportId);
        const found = await exports.find(m, exportId, handed ? { lines: false } : {});
        const loaded = found && handed ? withData(found, handed) : found;
        if (!loaded || (loaded.state.status !== 'requested' && loaded.state.status !== 'attempting')) return null;
        const startedAt = new Date();
        const decision = decide(loaded.state, { type: 'StartAttempt', now: startedAt.toISOString() });
        if (!decision.ok) return null;
        const admission = this.breaker.admit(Date.now());
        if (!admission.allowed) {
          await exports.defer(m, exportId, new Date(admission.retryAt));
          return null;
        }
        admitted = true;
        const event = decision.events[0];
        const saved = await exports.save(m, loaded, applyAll(loaded.state, decision.events) as LoadedExport['state']);
        await exports.startAttempt(m, exportId, saved.state.attempts, startedAt);
        const resolved = await connections.connectionOrFailureFor(m, saved.state.data.companyId);
        return { saved, resolved, checkErpFirst: event.type === 'AttemptStarted' && event.checkErpFirst };
      })
      .catch((error: unknown) => {
        if (admitted) this.breaker.release();
        throw error;
      });
    this.handedOver.delete(exportId);
    if (!started) return;
    const outcome = await this.callErp(started.saved, started.resolved, started.checkErpFirst).catch(
      (error: Error): ErpResult<never> => ({ ok: false, error: { kind: 'transient', code: 'unknown', message: `The export could not be attempted: ${error.message}` } }),
    );
    await this.record(started.saved, outcome);
  }

  private async callErp(
    loaded: LoadedExport,
    resolved: { connection: ErpConnection } | { failure: ErpError } | null,
    checkErpFirst: boolean,
  ): Promise<ErpResult<{ erpReference: string; foundInErp: boolean }>> {
    const data = loaded.state.data;
    if (!resolved) return { ok: false, error: { kind: 'permanent', code: 'connection_missing', message: 'The company has no ERP connection' } };
    if ('failure' in resolved) return { ok: false, error: resolved.failure };
    if (checkErpFirst) {
      const found = await this.adapter.findExport(resolved.connection, data.jobNumber, data.idempotencyKey);
      if (!found.ok) return found;
      if (found.value) return { ok: true, value: { erpReference: found.value.erpReference, foundInErp: true } };
    }
    const exported = await this.adapter.exportBudget(resolved.connection, {
      idempotencyKey: data.idempotencyKey,
      jobNumber: data.jobNumber,
      kind: data.kind,
      description: data.description,
      lines: data.lines,
      revision: this.adapter.capabilities.revisionFields ? data.revision : null,
    });
    return exported.ok ? { ok: true, value: { erpReference: exported.value.erpReference, foundInErp: false } } : exported;
  }

  private async record(loaded: LoadedExport, outcome: ErpResult<{ erpReference: string; foundInErp: boolean }>): Promise<void> {
    const { exports, uow, outbox, config } = this.deps;
    const now = new Date();
    const data = loaded.state.data;
    const attempt = loaded.state.attempts;
    let command: ExportCommand;
    let error: ErpError | undefined;
    // An ERP that answers, even with a refusal, is up: only transient failures count against it.
    if (outcome.ok || outcome.error.kind === 'permanent') this.breaker.recordSuccess();
    else this.breaker.recordTransientFailure(now.getTime());
    if (outcome.ok) {
      command = { type: 'RecordLanded', erpReference: outcome.value.erpReference, now: now.toISOString() };
    } else {
      error = outcome.error;
      const delay = retryDelayMs(attempt, { baseMs: config.EXPORT_RETRY_BASE_MS, maxMs: config.EXPORT_RETRY_MAX_MS }, Math.random());
      command = { type: 'RecordFailure', error, now: now.toISOString(), retryAt: new Date(now.getTime() + delay).toISOString(), maxAttempts: config.EXPORT_MAX_ATTEMPTS };
    }
    const decision = decide(loaded.state, command);
    if (!decision.ok) throw new Error(decision.error.message);
    const next = applyAll(loaded.state, decision.events) as LoadedExport['state'];
    const trace = { correlationId: data.correlationId, causationId: data.causationId };
    const attemptOutcome = outcome.ok ? (outcome.value.foundInErp ? 'found_in_erp' : 'landed') : `${outcome.error.kind}_failure`;
    await uow.run(async (m) => {
      await exports.save(m, loaded, next, { leaseUntil: null });
      await exports.finishAttempt(m, data.exportId, attempt, attemptOutcome, now, error);
      if (next.status === 'succeeded') {
        await outbox.publish(m, { topic: Topics.ExportSucceeded, subject: data.budgetId, companyId: data.companyId, payload: exportSucceededPayload(next), ...trace });
      } else if (next.status === 'failed') {
        await outbox.publish(m, { topic: Topics.ExportFailed, subject: data.budgetId, companyId: data.companyId, payload: exportFailedPayload(next), ...trace });
      }
    });
    this.deps.metrics?.attempts.inc({ system: this.system, outcome: attemptOutcome });
    this.deps.metrics?.breakerOpen.set({ system: this.system }, this.breaker.current().status === 'closed' ? 0 : 1);
    if (next.status === 'failed') this.logger.warn(`export ${data.exportId} failed: ${next.reasonCode}`);
    else if (error) this.logger.warn(`export ${data.exportId} attempt ${attempt} failed (${error.code}), will retry`);
  }

  private async checkPosting(exportId: string): Promise<void> {
    const { exports, uow, outbox, dataSource, config, connections } = this.deps;
    // A posting check never sends the lines, so they stay in the database.
    const found = await dataSource.transaction(async (m) => {
      const loaded = await exports.find(m, exportId, { lines: false });
      const state = loaded?.state;
      if (!loaded || state?.status !== 'succeeded') return null;
      return { loaded, state, resolved: await connections.connectionOrFailureFor(m, state.data.companyId) };
    });
    if (!found) return;
    const { loaded, state, resolved } = found;
    const seen = resolved && 'connection' in resolved ? await this.adapter.checkPosted(resolved.connection, state.data.jobNumber, { erpReference: state.erpReference, idempotencyKey: state.data.idempotencyKey }) : null;
    const now = new Date();
    const delay = postingCheckDelayMs(state.postingChecks, { firstMs: config.POSTING_CHECK_FIRST_MS, maxMs: config.POSTING_CHECK_MAX_MS });
    const check = seen?.ok === true ? seen.value : { status: 'unposted' as const };
    const decision = decide(state, {
      type: 'RecordPostingCheck',
      found: check.status,
      ...(check.status === 'missing' ? { reason: check.reason } : {}),
      now: now.toISOString(),
      nextCheckAt: new Date(now.getTime() + delay).toISOString(),
    });
    if (!decision.ok) return;
    const next = applyAll(state, decision.events) as LoadedExport['state'];
    await uow.run(async (m) => {
      await exports.save(m, loaded, next, { leaseUntil: null });
      if (next.status === 'posted') {
        this.deps.metrics?.posted.inc({ system: this.system });
        await outbox.publish(m, {
          topic: Topics.ErpPosted,
          subject: next.data.budgetId,
          companyId: next.data.companyId,
          payload: erpPostedPayload(next),
          correlationId: next.data.correlationId,
          causationId: next.data.causationId,
        });
      } else if (next.status === 'failed') {
        await outbox.publish(m, {
          topic: Topics.ExportFailed,
          subject: next.data.budgetId,
          companyId: next.data.companyId,
          payload: exportFailedPayload(next),
          correlationId: next.data.correlationId,
          causationId: next.data.causationId,
        });
      }
    });
    if (next.status === 'failed') this.logger.warn(`export ${next.data.exportId} failed: ${next.reasonCode}: ${next.message}`);
  }
}

/** The export as loaded without its lines, with the data recorded for it (lines included). */
function withData(loaded: LoadedExport, data: ExportData): LoadedExport {
  return { state: { ...loaded.state, data }, row: { ...loaded.row, data } as LoadedExport['row'] };
}
