import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Topics, type ErpSystem } from '@budget-erp/contracts';
import { PollingLoop, StaleAggregateError } from '@budget-erp/service-kit';
import type { OutboxWriter, UnitOfWork } from '@budget-erp/messaging';
import type { ErpConnectionsService } from '../../../connections/application/erp-connections.service';
import type { ErpConnectorConfig } from '../../../config';
import type { ErpAdapter, ErpConnection, ErpError, ErpLine, ErpResult } from '../../../erp-adapters/erp-adapter';
import { CircuitBreaker } from '../../domain/circuit-breaker';
import { applyAll, decide, type ExportCommand, type GivenUpFact } from '../../domain/export';
import { erpLinesOf } from '../../domain/export-lines';
import { postingCheckDelayMs, retryDelayHonouringErpMs } from '../../domain/retry-policy';
import type { ErpExportRepository, Leased, LoadedExport } from '../../infrastructure/erp-export.repository';
import type { ErpSendRepository } from '../../infrastructure/erp-send.repository';
import type { ExportMetrics } from '../../infrastructure/export-metrics';
import { erpPostedPayload, exportFailedPayload, exportSucceededPayload } from '../export-events';
import { resyncAfterPosting } from '../../../drift/application/resync-baseline';

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

/** The longest time between two renewals of a lease while its ERP calls run: how soon a worker learns its lease was taken over. */
const LEASE_RENEWAL_MAX_MS = 2000;

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
  private readonly loop: PollingLoop;
  private readonly breaker: CircuitBreaker;
  private readonly postingBreaker: CircuitBreaker;
  private readonly inProgress = new Map<string, Promise<void>>();

  constructor(
    readonly adapter: ErpAdapter,
    private readonly deps: ExportWorkerDeps,
  ) {
    this.logger = new Logger(`ExportWorker:${adapter.system}`);
    this.loop = new PollingLoop(this.logger, `export worker ${adapter.system}`, () => this.tick(), deps.config.EXPORT_POLL_MS);
    this.breaker = new CircuitBreaker({ threshold: deps.config.BREAKER_THRESHOLD, cooldownMs: deps.config.BREAKER_COOLDOWN_MS });
    this.postingBreaker = new CircuitBreaker({ threshold: deps.config.BREAKER_THRESHOLD, cooldownMs: deps.config.BREAKER_COOLDOWN_MS });
  }

  get system(): ErpSystem {
    return this.adapter.system;
  }

  start(): void {
    this.loop.start();
  }

  /** Looks for due work now; a nudge that comes while a pass runs starts another pass after it. */
  nudge(): void {
    this.loop.nudge();
  }

  /** Stops leasing new work. Calls in flight are not awaited: their leases expire and another worker resumes them. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  private get running(): boolean {
    return this.loop.running;
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
    for (const leased of attempts) this.track(leased.exportId, () => this.attempt(leased));
    for (const leased of postings) this.track(`posting:${leased.exportId}`, () => this.checkPosting(leased));
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
   * One transaction loads the export, takes its budget's lock (before renewing its lease on the
   * export's row, as the intake takes the lock before the row) and reads what was heard about it:
   * an export the platform gave up (retrieved, rejected, timed out, superseded) is cancelled there,
   * without calling the ERP, unless an earlier attempt may have landed, in which case the ERP is
   * only asked whether it holds it. Otherwise the transaction takes the breaker's admission,
   * records the attempt as started and reads the company's connection; then the ERP is called
   * outside any transaction. A fact heard after that transaction finds the attempt in flight: if
   * it lands, it is recorded and published like any other.
   */
  private async attempt({ exportId, leaseToken }: Leased): Promise<void> {
    const { exports, sends, uow, connections, config } = this.deps;
    let admitted = false;
    // The lease starts anew in the transaction below (no earlier than this), and with it the time the attempt may take.
    const leasedAt = Date.now();
    const started = await uow
      .run(async (m) => {
        const loaded = await exports.find(m, exportId);
        if (!loaded || (loaded.state.status !== 'requested' && loaded.state.status !== 'attempting')) return null;
        // The budget's lock before any lock on the export's row, in the order the intake takes them
        // (it records a fact, then makes the export due): the other way round the two deadlock, and
        // an aborted intake lets this attempt send an export the connector is hearing was given up.
        await sends.lockBudget(m, loaded.state.data.budgetId);
        if (!(await exports.renewLease(m, exportId, leaseToken, config.EXPORT_LEASE_MS))) return null;
        const heard = await sends.heard(m, exportId);
        const givenUp = GIVEN_UP_FACTS.find((fact) => heard.facts.has(fact)) ?? null;
        const startedAt = new Date();
        const decision = decide(loaded.state, { type: 'StartAttempt', now: startedAt.toISOString(), givenUp });
        if (!decision.ok) return null;
        const event = decision.events[0];
        if (event.type === 'ExportCancelled') {
          await exports.save(m, loaded, applyAll(loaded.state, decision.events) as LoadedExport['state'], { leaseUntil: null, leaseToken });
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
        const saved = await exports.save(m, loaded, applyAll(loaded.state, decision.events) as LoadedExport['state'], { leaseToken });
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
    const held = await this.whileLeaseHeld({ exportId, leaseToken }, leasedAt, (signal) =>
      this.callErp(started.saved, withSignal(started.resolved, signal), started.checkErpFirst, started.givenUp).catch(
        (error: Error): ErpResult<never> => ({ ok: false, error: { kind: 'transient', code: 'unknown', message: `The export could not be attempted: ${error.message}` } }),
      ),
    );
    if (!held.ok) {
      // The attempt stays in flight: whoever holds the export next asks the ERP whether it landed before sending it.
      this.breaker.release();
      this.logger.warn(`export ${exportId}: ${held.reason}; the attempt's calls were abandoned and its result is not recorded`);
      return;
    }
    await this.record(started.saved, held.value, started.givenUp, leaseToken);
  }

  /**
   * Runs an export's ERP calls while this worker holds its lease (taken at `leasedAt`): the lease
   * is renewed every third of its length (at most every 2 s), and the calls are abandoned (their
   * signal aborted) as soon as another worker took the lease over, or just before the lease would
   * run out unrenewed (the database unreachable). Config keeps the lease longer than an attempt's
   * worst-case ERP time, so the calls' own deadlines end a healthy attempt first.
   */
  private async whileLeaseHeld<T>(leased: Leased, leasedAt: number, work: (signal: AbortSignal) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    const leaseMs = this.deps.config.EXPORT_LEASE_MS;
    const controller = new AbortController();
    let lost: string | null = null;
    let finished = false;
    const lose = (reason: string) => {
      if (lost !== null || finished) return;
      lost = reason;
      controller.abort(new Error(reason));
    };
    // Abandoned a little before the lease ends, so that no other worker can hold the export while these calls run.
    const margin = Math.min(1000, Math.floor(leaseMs / 10));
    let expiry = setTimeout(() => lose('its lease ran out unrenewed'), leasedAt + leaseMs - margin - Date.now());
    const renewal = setInterval(() => {
      const sentAt = Date.now();
      this.deps.exports
        .renewLease(this.deps.dataSource.manager, leased.exportId, leased.leaseToken, leaseMs)
        .then((held) => {
          if (!held) return lose('another worker took its lease over');
          if (lost !== null || finished) return;
          clearTimeout(expiry);
          expiry = setTimeout(() => lose('its lease ran out unrenewed'), sentAt + leaseMs - margin - Date.now());
        })
        .catch(() => undefined);
    }, Math.max(1, Math.min(LEASE_RENEWAL_MAX_MS, Math.floor(leaseMs / 3))));
    try {
      const value = await work(controller.signal);
      return lost === null ? { ok: true, value } : { ok: false, reason: lost };
    } finally {
      finished = true;
      clearTimeout(expiry);
      clearInterval(renewal);
    }
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

  private async record(loaded: LoadedExport, outcome: ErpResult<AttemptResult>, givenUp: GivenUpFact | null, leaseToken: string): Promise<void> {
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
      // A 429 or 503 that says how long to wait (Retry-After) is left alone at least that long.
      const delay = retryDelayHonouringErpMs(attempt, { baseMs: config.EXPORT_RETRY_BASE_MS, maxMs: config.EXPORT_RETRY_MAX_MS }, outcome.error, Math.random());
      command = { type: 'RecordFailure', error, now: now.toISOString(), retryAt: new Date(now.getTime() + delay).toISOString(), maxAttempts: config.EXPORT_MAX_ATTEMPTS };
    }
    const decision = decide(loaded.state, command);
    if (!decision.ok) throw new Error(decision.error.message);
    const next = applyAll(loaded.state, decision.events) as LoadedExport['state'];
    const trace = { correlationId: data.correlationId, causationId: data.causationId };
    const attemptOutcome = outcome.ok ? (!outcome.value.landed ? 'not_in_erp' : outcome.value.foundInErp ? 'found_in_erp' : 'landed') : `${outcome.error.kind}_failure`;
    let landedAfterGivenUp: GivenUpFact | null;
    try {
      landedAfterGivenUp = await uow.run(async (m) => {
        await exports.save(m, loaded, next, { leaseUntil: null, leaseToken });
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
    } catch (caught) {
      if (!(caught instanceof StaleAggregateError)) throw caught;
      // Another worker took the lease over after the calls returned: it owns the export now, and asks the ERP before sending.
      this.logger.warn(`export ${data.exportId}: its lease was taken over before attempt ${attempt}'s result (${attemptOutcome}) was recorded; the result is discarded`);
      return;
    }
    this.deps.metrics?.attempts.inc({ system: this.system, outcome: attemptOutcome });
    this.deps.metrics?.breakerOpen.set({ system: this.system }, this.breaker.current().status === 'closed' ? 0 : 1);
    if (landedAfterGivenUp) this.logger.warn(`export ${data.exportId} landed in ${this.adapter.displayName} after the platform gave it up (${landedAfterGivenUp}); recorded and published`);
    if (next.status === 'failed') this.logger.warn(`export ${data.exportId} failed: ${next.reasonCode}`);
    else if (next.status === 'cancelled') this.logger.log(`export ${data.exportId} cancelled: ${next.reason}, and ${this.adapter.displayName} does not hold it`);
    else if (error) this.logger.warn(`export ${data.exportId} attempt ${attempt} failed (${error.code}), will retry`);
  }

  /**
   * Asks the ERP whether an export's entries are posted. Checks go through the ERP's posting-check
   * breaker, apart from the export breaker: checks failing against a down ERP leave it alone for a
   * while, but never hold back export attempts nor take the half-open trial that tells whether the
   * ERP is back for them (an attempt deferred by its breaker is not counted, so an export could not
   * fail while the checks kept that breaker open).
   */
  private async checkPosting({ exportId, leaseToken }: Leased): Promise<void> {
    const { exports, uow, outbox, dataSource, config, connections } = this.deps;
    const leasedAt = Date.now();
    let admitted = false;
    const found = await dataSource
      .transaction(async (m) => {
        const loaded = await exports.renewLeaseAndLoad(m, { exportId, leaseToken }, ['succeeded'], config.EXPORT_LEASE_MS);
        const state = loaded?.state;
        if (!loaded || state?.status !== 'succeeded') return null;
        const resolved = await connections.connectionOrFailureFor(m, state.data.companyId);
        if (resolved && 'connection' in resolved) {
          const admission = this.postingBreaker.admit(Date.now());
          if (!admission.allowed) {
            await exports.deferPostingCheck(m, exportId, new Date(admission.retryAt));
            return null;
          }
          admitted = true;
        }
        return { loaded, state, resolved };
      })
      .catch((error: unknown) => {
        if (admitted) this.postingBreaker.release();
        throw error;
      });
    if (!found) return;
    const { loaded, state, resolved } = found;
    const held = await this.whileLeaseHeld({ exportId, leaseToken }, leasedAt, (signal) =>
      resolved && 'connection' in resolved
        ? this.adapter
            .checkPosted({ ...resolved.connection, signal }, state.data.jobNumber, { erpReference: state.erpReference, idempotencyKey: state.data.idempotencyKey })
            .catch((error: Error): ErpResult<never> => ({ ok: false, error: { kind: 'transient', code: 'unknown', message: `The posting check could not be made: ${error.message}` } }))
        : Promise.resolve(null),
    );
    if (!held.ok) {
      if (admitted) this.postingBreaker.release();
      return;
    }
    const seen = held.value;
    const now = new Date();
    if (seen?.ok === false && seen.error.kind === 'transient') this.postingBreaker.recordTransientFailure(now.getTime());
    else if (seen) this.postingBreaker.recordSuccess();
    this.deps.metrics?.postingBreakerOpen.set({ system: this.system }, this.postingBreaker.current().status === 'closed' ? 0 : 1);
    const retryAfterMs = seen?.ok === false ? (seen.error.retryAfterMs ?? 0) : 0;
    const delay = postingCheckDelayMs(state.postingChecks, { firstMs: config.POSTING_CHECK_FIRST_MS, maxMs: config.POSTING_CHECK_MAX_MS }, Math.random(), retryAfterMs);
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
      await exports.save(m, loaded, next, { leaseUntil: null, leaseToken });
      if (next.status === 'posted') {
        this.deps.metrics?.posted.inc({ system: this.system });
        await resyncAfterPosting(m, this.deps.sends, next.data);
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

/** The company's connection with the signal that ends its calls, or what stands in its way. */
function withSignal(resolved: { connection: ErpConnection } | { failure: ErpError } | null, signal: AbortSignal): { connection: ErpConnection } | { failure: ErpError } | null {
  return resolved && 'connection' in resolved ? { connection: { ...resolved.connection, signal } } : resolved;
}
