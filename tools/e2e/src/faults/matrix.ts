import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErpSystem } from '../client';
import { E2ePlatform, startE2ePlatform } from '../harness';
import { Ledger, settledLedger } from './ledger';
import { AnswerTally, runLoad } from './load';
import { startTcpProxy, TcpProxy } from './tcp-proxy';

const ADMIN_URL = new URL(process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

/**
 * Emails the notification service sends at once. Email is at-least-once toward the mail server: one
 * handed over but not yet recorded when the process is killed -9 goes again, under the same
 * Message-ID, so at most this many resends per kill of notification.
 */
const MAIL_CONCURRENCY = 4;

/** The platform a fault matrix runs against: services reach PostgreSQL through a proxy the test can cut. */
export interface FaultPlatform {
  e2e: E2ePlatform;
  databaseProxy: TcpProxy;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startFaultPlatform(options: { onServiceOutput?: boolean } = {}): Promise<FaultPlatform> {
  const databaseProxy = await startTcpProxy({ host: ADMIN_URL.hostname, port: Number(ADMIN_URL.port || 5432) });
  const dataDir = mkdtempSync(join(tmpdir(), 'budget-erp-faults-'));
  try {
    const e2e = await startE2ePlatform({
      dataDir,
      webConsole: false,
      serviceDatabaseUrl: (url) => {
        const proxied = new URL(url);
        proxied.hostname = databaseProxy.host;
        proxied.port = String(databaseProxy.port);
        return proxied.toString();
      },
      // An email claimed by a notification process killed -9 waits for its claim to lapse (4 × the SMTP timeout).
      serviceEnv: { 'erp-connector': { ERP_TIMEOUT_MS: '2000' }, notification: { SMTP_TIMEOUT_MS: '3000', MAIL_CONCURRENCY: String(MAIL_CONCURRENCY) } },
    });
    void options;
    return {
      e2e,
      databaseProxy,
      dataDir,
      async stop() {
        await e2e.stop();
        await databaseProxy.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await databaseProxy.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface FaultSpec {
  name: string;
  /** The ERP the fault's company uses (a fault on one ERP leaves the others alone). */
  system: ErpSystem;
  /** Failure reasons the fault may end budgets with, visibly (the ERP losing its state). */
  allowedFailures?: string[];
  duplicateCommands?: boolean;
  /** Budgets exported before the fault wait for it before the ERP posts them. */
  holdPostingUntilFault?: boolean;
  /** Emails that may reach the mail server a second time under their Message-ID (the fault kills the sender mid-send). */
  allowedEmailResends?: number;
  /** A failure reason at least one budget must end with: the fault really hit the workflow (else a finding). */
  requiredFailure?: string;
  /** Runs before the load (e.g. restarts a service with settings the fault needs)… */
  prepare?(platform: FaultPlatform): Promise<void>;
  /** …and after it, before the ledger, putting the platform back for the next fault. */
  restore?(platform: FaultPlatform): Promise<void>;
  /** Puts the fault in; the ERP losing its state tells when (budgets posted before then may be synced without an export there). */
  inject(platform: FaultPlatform, system: ErpSystem): Promise<void | { erpStateLostAt: number }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The export timeout the budget service runs with while an ERP is down longer than it. */
const EXPORT_TIMEOUT_UNDER_FAULT_MS = 5000;

async function setErpFault(p: FaultPlatform, system: ErpSystem, fault: { mode: 'down' | 'ok'; writesOnly?: boolean }): Promise<void> {
  const mode = fault.mode;
  const response = await fetch(`${p.e2e.urls.erpSimulator}/_sim/${system}/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (response.status !== 200) throw new Error(`${mode} fault: ${response.status}`);
}

/** The matrix: each fault goes in once, while the load runs. */
export function faultMatrix(options: { databaseOutageMs?: number } = {}): FaultSpec[] {
  const kill = (service: string): FaultSpec => ({
    name: `${service} killed -9`,
    system: 'cmic',
    ...(service === 'notification' ? { allowedEmailResends: MAIL_CONCURRENCY } : {}),
    inject: (p) => p.e2e.platform.restartService(service, 'SIGKILL'),
  });
  return [
    kill('budget'),
    kill('approval'),
    kill('erp-connector'),
    kill('notification'),
    { name: 'dev broker restarted', system: 'cmic', inject: (p) => p.e2e.platform.restartBroker(2000) },
    {
      name: `PostgreSQL unreachable ${Math.round((options.databaseOutageMs ?? 20000) / 1000)} s`,
      system: 'cmic',
      async inject(p) {
        p.databaseProxy.cut();
        await sleep(options.databaseOutageMs ?? 20000);
        p.databaseProxy.restore();
      },
    },
    { name: 'ERP simulator restarted', system: 'cmic', inject: (p) => p.e2e.platform.restartErpSimulator(2000) },
    {
      name: 'ERP drops replies after applying',
      system: 'cmic',
      async inject(p, system) {
        const response = await fetch(`${p.e2e.urls.erpSimulator}/_sim/${system}/faults`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mode: 'lost_reply', count: 3 }),
        });
        if (response.status !== 200) throw new Error(`lost_reply fault: ${response.status}`);
      },
    },
    {
      name: 'ERP loses its state',
      system: 'sage300cre',
      allowedFailures: ['ERP_RECORD_MISSING'],
      holdPostingUntilFault: true,
      async inject(p, system) {
        const response = await fetch(`${p.e2e.urls.erpSimulator}/_sim/${system}/lose-state`, { method: 'POST' });
        if (response.status !== 200) throw new Error(`lose-state: ${response.status}`);
        return { erpStateLostAt: Date.now() };
      },
    },
    {
      // The budget service runs this load with a short export timeout (restarted gracefully before
      // and after it), so the ERP stays down well past it without the matrix waiting 15 minutes.
      // The ERP drops every export (write) while its reads answer: budgets keep being linked, sent
      // and accepted during the outage (a link reads the ERP job, so a wholly unreachable ERP would
      // hold every new budget before its export). Exports accepted before or during the outage time
      // out visibly (failed_to_export, reason timeout, an email), and none reaches the ERP after it.
      name: `ERP down for exports longer than the export timeout (${EXPORT_TIMEOUT_UNDER_FAULT_MS / 1000} s)`,
      system: 'quickbooks',
      allowedFailures: ['timeout'],
      requiredFailure: 'timeout',
      prepare: (p) => p.e2e.platform.restartService('budget', 'SIGTERM', { EXPORT_TIMEOUT_MS: String(EXPORT_TIMEOUT_UNDER_FAULT_MS), EXPORT_TIMEOUT_SWEEP_MS: '500' }),
      restore: (p) => p.e2e.platform.restartService('budget', 'SIGTERM'),
      async inject(p, system) {
        await setErpFault(p, system, { mode: 'down', writesOnly: true });
        try {
          await sleep(EXPORT_TIMEOUT_UNDER_FAULT_MS * 3);
        } finally {
          await setErpFault(p, system, { mode: 'ok' });
        }
      },
    },
    { name: 'same command sent twice at once', system: 'cmic', duplicateCommands: true, inject: async () => undefined },
  ];
}

/** Runs the load against one fault and returns its settled ledger. */
export async function runFault(platform: FaultPlatform, spec: FaultSpec, options: { budgets: number; concurrency: number }): Promise<Ledger> {
  const client = await platform.e2e.newCompany(`f-${spec.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 24)}`);
  const tally = new AnswerTally();
  tally.observe(client);
  let faultError: unknown;
  let erpStateLostAt: number | undefined;
  await spec.prepare?.(platform);
  const loaded = runLoad({
    client,
    system: spec.system,
    budgets: options.budgets,
    concurrency: options.concurrency,
    atBudget: Math.max(1, Math.floor(options.budgets / 3)),
    onReached: () =>
      spec.inject(platform, spec.system).then(
        (outcome) => void (erpStateLostAt = outcome ? outcome.erpStateLostAt : undefined),
        (error) => void (faultError = error),
      ),
    duplicateCommands: spec.duplicateCommands ?? false,
    holdPostingUntilFault: spec.holdPostingUntilFault ?? false,
    label: 'l',
  });
  const budgets = await loaded.finally(() => spec.restore?.(platform));
  if (faultError) throw faultError;
  const ledger = await settledLedger({
    fault: spec.name,
    client,
    system: spec.system,
    databasePrefix: platform.e2e.databasePrefix,
    budgets,
    tally,
    ...(spec.allowedFailures ? { allowedFailures: spec.allowedFailures } : {}),
    ...(spec.allowedEmailResends ? { allowedEmailResends: spec.allowedEmailResends } : {}),
    ...(erpStateLostAt !== undefined ? { erpStateLostAt } : {}),
  }, 60000);
  // A budget that timed out and landed all the same was hit too (it shows as landed after the timeout).
  if (spec.requiredFailure && !ledger.failed[spec.requiredFailure] && !ledger.entries.some((e) => e.landedAfterGivenUp)) {
    ledger.findings.push(`no budget ended failed_to_export with ${spec.requiredFailure} (or landed after it): the fault did not hit the workflow`);
    ledger.unexpected += 1;
  }
  return ledger;
}
