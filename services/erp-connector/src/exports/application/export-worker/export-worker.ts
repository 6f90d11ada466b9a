import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Topics, type ErpSystem } from '@budget-erp/contracts';
import { OutageLog, Wakeup } from '@budget-erp/service-kit';
import type { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import type { ErpConnectionsService } from '../../../connections/application/erp-connections.service';
import type { ErpConnectorConfig } from '../../../config';
import type { ErpAdapter, ErpConnection, ErpError, ErpLine, ErpResult } from '../../../erp-adapters/erp-adapter';
import { CircuitBreaker } from '../../domain/circuit-breaker';
import { applyAll, decide, type ExportCommand, type GivenUpFact } from '../../domain/export';
import { erpLinesOf } from '../../domain/export-lines';
import { postingCheckDelayMs, retryDelayMs } from '../../domain/retry-policy';
import type { ErpExportRepository, LoadedExport } from '../../infrastructure/erp-export.repository';
import type { ErpSendRepository } from '../../infrastructure/erp-send.repository';
import type { ExportMetrics } from '../../infrastructure/export-metrics';
import { erpPostedPayload, exportFailedPayload, exportSucceededPayload } from '../export-events';

export interface ExportWorkerDeps {
  dataSource: DataSource;
  uow: UnitOfWork;
  outbox: OutboxWriter;
  exports: ErpExportRepository;
  sends: ErpSendRepository;
  connections: ErpConnectionsService;
  config: ErpConnectorConfig;
  metrics?: ExportMetrics;
}

const BATCH = 10;

/** The facts that give an export up, strongest first: the one a cancellation names. */
const GIVEN_UP_FACTS: readonly GivenUpFact[] = ['superseded', 'rejected', 'retrieved', 'timed_out'];

/** What an attempt found: the export in the ERP (sent now or earlier), or, for a given-up one, nothing. */
type AttemptResult = { landed: true; erpReference: string; foundInErp: boolean } | { landed: false };

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
   * One transaction loads the export, takes its budget's lock and reads what was heard about it:
   * an export the platform gave up (retrieved, rejected, timed out, superseded) is cancelled there,
   * without calling the ERP, unless an earlier attempt may have landed, in which case the ERP is
   * only asked whether it holds it. Otherwise the transaction takes the breaker's admission,
   * records the attempt as started and reads the company's connection; then the ERP is called
   * outside any transaction. A fact heard after that transaction finds the attempt in flight: if
   * it lands, it is recorded and published like any other.
   */
  private async attempt(exportId: string): Promise<void> {
    const { exports, sends, uow, connections } = this.deps;
    let admitted = false;
    const started = await uow
      .run(async (m) => {
        const loaded = await exports.find(m, exportId);
        if (!loaded || (loaded.state.status !== 'requested' && loaded.state.status !== 'attempting')) return null;
        await sends.lockBudget(m, loaded.state.data.budgetId);
        const heard = await sends.heard(m, exportId);
        const givenUp = GIVEN_UP_FACTS.find((fact) => heard.facts.has(fact)) ?? null;
        const startedAt = new Date();
        const decision = decide(loaded.state, { type: 'StartAttempt', now: startedAt.toISOString(), givenUp });
        if (!decision.ok) return null;
        const event = decision.events[0];
        if (event.type === 'ExportCancelled') {
          await exports.save(m, loaded, applyAll(loaded.state, decision.events) as LoadedExport['state'], { leaseUntil: null });
          this.deps.metrics?.attempts.inc({ system: this.system, outcome: 'cancelled' });
          this.logger.log(`export ${exportId} cancelled before reaching ${this.adapter.displayName}: ${event.reason}`);
          return null;
        }
        const admission = this.breaker.admit(Date.now());
        if (!admission.allowed) {
          await exports.defer(m, exportId, new Date(admission.retryAt));
          return null;
        }
        admitted = true;
        const saved = await exports.save(m, loaded, applyAll(loaded.state, decision.events) as LoadedExport['state']);
        await exports.startAttempt(m, exportId, saved.state.attempts, startedAt);
        const resolved = await connections.connectionOrFailureFor(m, saved.state.data.companyId);
        const verifyOnly = event.type === 'AttemptStarted' && event.verifyOnly;
        return { saved, resolved, checkErpFirst: event.type === 'AttemptStarted' && event.checkErpFirst, givenUp: verifyOnly ? givenUp : null };
      })
      .catch((error: unknown) => {
        if (admitted) this.breaker.release();
        throw error;
      });
    if (!started) return;
    const outcome = await this.callErp(started.saved, started.resolved, started.checkErpFirst, started.givenUp).catch(
      (error: Error): ErpResult<never> => ({ ok: false, error: { kind: 'transient', code: 'unknown', message: `The export could not be attempted: ${error.message}` } }),
    );
    await this.record(started.saved, outcome, started.givenUp);
  }

  /** Asks the ERP whether the export landed (when it may have), then sends it, unless it was given up. */
  private async callErp(
    loaded: LoadedExport,
    resolved: { connection: ErpConnection } | { failure: ErpError } | null,
    checkErpFirst: boolean,
    givenUp: GivenUpFact | null,
  ): Promise<ErpResult<AttemptResult>> {
    const data = loaded.state.data;
    if (!resolved) return { ok: false, error: { kind: 'permanent', code: 'connection_missing', message: 'The company has no ERP connection' } };
    if ('failure' in resolved) return { ok: false, error: resolved.failure };
    if (checkErpFirst || givenUp) {
      const found = await this.adapter.findExport(resolved.connection, data.jobNumber, data.idempotencyKey);
      if (!found.ok) return found;
      if (found.value) return { ok: true, value: { landed: true, erpReference: found.value.erpReference, foundInErp: true } };
      if (givenUp) return { ok: true, value: { landed: false } };
    }
    const exported = await this.adapter.exportBudget(resolved.connection, {
      idempotencyKey: data.idempotencyKey,
      jobNumber: data.jobNumber,
      kind: data.kind,
      description: data.description,
      lines: () => this.linesOf(data.exportId, data.kind, data.chunkCount),
      revision: this.adapter.capabilities.revisionFields ? data.revision : null,
    });
    return exported.ok ? { ok: true, value: { landed: true, erpReference: exported.value.erpReference, foundInErp: false } } : exported;
  }

  /** The lines the ERP receives, read from the send's stored chunks one at a time, outside any transaction. */
  private async *linesOf(exportId: string, kind: 'original' | 'revision', chunkCount: number): AsyncGenerator<ErpLine[]> {
    for (let chunk = 0; chunk < chunkCount; chunk += 1) {
      yield erpLinesOf(kind, await this.deps.sends.chunkLines(this.deps.dataSource, exportId, chunk));
    }
  }

  private async record(loaded: LoadedExport, outcome: ErpResult<AttemptResult>, givenUp: GivenUpFact | null): Promise<void> {
    const { exports, sends, uow, outbox, config } = this.deps;
    const now = new Date();
    const data = loaded.state.data;
    const attempt = loaded.state.attempts;
    let command: ExportCommand;
    let error: ErpError | undefined;
    // An ERP that answers, even with a refusal, is up: only transient failures count against it.
    if (outcome.ok || outcome.error.kind === 'permanent') this.breaker.recordSuccess();
    else this.breaker.recordTransientFailure(now.getTime());
    if (outcome.ok && outcome.value.landed) {
      command = { type: 'RecordLanded', erpReference: outcome.value.erpReference, now: now.toISOString() };
    } else if (outcome.ok) {
      command = { type: 'RecordNotInErp', givenUp: givenUp ?? 'superseded', now: now.toISOString() };
    } else {
      error = outcome.error;
      const delay = retryDelayMs(attempt, { baseMs: config.EXPORT_RETRY_BASE_MS, maxMs: config.EXPORT_RETRY_MAX_MS }, Math.random());
      command = { type: 'RecordFailure', error, now: now.toISOString(), retryAt: new Date(now.getTime() + delay).toISOString(), maxAttempts: config.EXPORT_MAX_ATTEMPTS };
    }
    const decision = decide(loaded.state, command);
    if (!decision.ok) throw new Error(decision.error.message);
    const next = applyAll(loaded.state, decision.events) as LoadedExport['state'];
    const trace = { correlationId: data.correlationId, causationId: data.causationId };
    const attemptOutcome = outcome.ok ? (!outcome.value.landed ? 'not_in_erp' : outcome.value.foundInErp ? 'found_in_erp' : 'landed') : `${outcome.error.kind}_failure`;
    const landedAfterGivenUp = await uow.run(async (m) => {
      await exports.save(m, loaded, next, { leaseUntil: null });
      await exports.finishAttempt(m, data.exportId, attempt, attemptOutcome, now, error);
      if (next.status === 'succeeded') {
        // Landed, even if the platform gave it up meanwhile: the ERP holds it, so it is published like any other.
        await outbox.publish(m, { topic: Topics.ExportSucceeded, subject: data.budgetId, companyId: data.companyId, payload: exportSucceededPayload(next), ...trace });
        const heard = await sends.heard(m, data.exportId);
        return GIVEN_UP_FACTS.find((fact) => heard.facts.has(fact)) ?? null;
      }
      if (next.status === 'failed') {
        await outbox.publish(m, { topic: Topics.ExportFailed, subject: data.budgetId, companyId: data.companyId, payload: exportFailedPayload(next), ...trace });
      }
      return null;
    });
    this.deps.metrics?.attempts.inc({ system: this.system, outcome: attemptOutcome });
    this.deps.metrics?.breakerOpen.set({ system: this.system }, this.breaker.current().status === 'closed' ? 0 : 1);
    if (landedAfterGivenUp) this.logger.warn(`export ${data.exportId} landed in ${this.adapter.displayName} after the platform gave it up (${landedAfterGivenUp}); recorded and published`);
    if (next.status === 'failed') this.logger.warn(`export ${data.exportId} failed: ${next.reasonCode}`);
    else if (next.status === 'cancelled') this.logger.log(`export ${data.exportId} cancelled: ${next.reason}, and ${this.adapter.displayName} does not hold it`);
    else if (error) this.logger.warn(`export ${data.exportId} attempt ${attempt} failed (${error.code}), will retry`);
  }

  private async checkPosting(exportId: string): Promise<void> {
    const { exports, uow, outbox, dataSource, config, connections } = this.deps;
    const found = await dataSource.transaction(async (m) => {
      const loaded = await exports.find(m, exportId);
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
