import { ApiResponse, ErpSystem, ObservedAnswer, PlatformClient } from '../client';
import { COST_CODES } from '../flows';

/** Every answer the load's clients received, kept for the ledger (5xx by status, refused connections). */
export class AnswerTally {
  readonly answers: ObservedAnswer[] = [];

  observe(client: PlatformClient): void {
    client.onAnswer = (answer) => this.answers.push(answer);
  }

  /** 5xx answers by status; a 503 without `Retry-After` counts apart (`503 without Retry-After`). */
  serverErrors(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const a of this.answers) {
      if (a.status === null || a.status < 500) continue;
      const key = a.status === 503 && !a.retryAfter ? '503 without Retry-After' : String(a.status);
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /** Calls that got no HTTP answer (the process was down, the connection refused or reset). */
  unanswered(): number {
    return this.answers.filter((a) => a.status === null).length;
  }
}

/** One budget driven through the load, and what the driver saw of it. */
export interface DrivenBudget {
  index: number;
  projectId: string;
  jobNumber: string;
  budgetId: string | null;
  /** The budget's last `erpStatus` the driver read (null when it never got that far). */
  finalStatus: string | null;
  /** Where the driver gave up, when it did (a step that never succeeded within its time). */
  stuckAt: string | null;
  /** Answers of the duplicated commands (`send`, `accept`) when the fault sends each twice at once. */
  duplicateAnswers: number[];
  /** When the driver asked the ERP's accountant to post the budget's entries (epoch ms), if it did. */
  postRequestedAt: number | null;
}

export interface LoadOptions {
  client: PlatformClient;
  system: ErpSystem;
  budgets: number;
  /** Budgets in flight at once. */
  concurrency: number;
  /** Called once `atBudget` budgets (at most `concurrency`) have been exported and await posting: the fault goes in mid-load. */
  atBudget?: number;
  onReached?: () => Promise<void>;
  /** Budgets exported before the fault went in wait for it before the ERP posts them (the ERP loses exports not yet posted). */
  holdPostingUntilFault?: boolean;
  /** Send and accept each command twice at once. */
  duplicateCommands?: boolean;
  /** How long one step may keep failing (a fault is in progress) before the budget is given up. */
  stepTimeoutMs?: number;
  /** How long to wait for a budget's final state. */
  settleTimeoutMs?: number;
  label: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class StepTimeout extends Error {}

/** Retries a call while the platform answers 5xx or not at all; returns the first other answer. */
async function persist(step: string, deadlineMs: number, call: () => Promise<ApiResponse>, accept: (r: ApiResponse) => boolean = () => true): Promise<ApiResponse> {
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await call();
      // An ERP that cannot be reached right now (ERP.UNAVAILABLE, "try again in a moment") is retried too.
      const transient = response.status >= 500 || (response.status === 409 && response.body?.code === 'ERP.UNAVAILABLE');
      if (!transient && accept(response)) return response;
      last = `${response.status} ${JSON.stringify(response.body).slice(0, 200)}`;
      const retryAfter = Number(response.retryAfter);
      await sleep(response.status === 503 && retryAfter > 0 ? Math.min(retryAfter * 1000, 2000) : 300);
    } catch (error) {
      last = (error as Error).message;
      await sleep(300);
    }
  }
  throw new StepTimeout(`${step}: ${last}`);
}

const FINAL = new Set(['synced', 'failed_to_export']);

/**
 * A steady load of budgets through the whole workflow (job in the ERP, link, create, lock, send,
 * accept, exported, posted by the accountant, synced), one project and ERP job per budget. Each step
 * is retried while the platform answers 5xx or nothing, as a client honouring 503 would; a create
 * whose answer was lost looks for the budget before creating again.
 */
export async function runLoad(options: LoadOptions): Promise<DrivenBudget[]> {
  const { client, system } = options;
  const stepMs = options.stepTimeoutMs ?? 90000;
  const settleMs = options.settleTimeoutMs ?? 120000;
  const connection = await persist('connection', stepMs, () => client.erp('integrations', 'PUT', '/erp/connection', { system }));
  if (connection.status !== 200) throw new Error(`connection: ${connection.status} ${JSON.stringify(connection.body)}`);

  const results: DrivenBudget[] = [];
  let next = 0;
  let reached = false;
  let faultDone: Promise<void> = Promise.resolve();
  let exportedCount = 0;
  let markInjected: () => void = () => undefined;
  const faultInjected = new Promise<void>((resolve) => (markInjected = resolve));
  const trigger = Math.min(options.atBudget ?? Infinity, options.concurrency);
  const exportedOnce = () => {
    exportedCount += 1;
    if (!reached && exportedCount >= trigger) {
      reached = true;
      faultDone = (options.onReached ? options.onReached() : Promise.resolve()).finally(markInjected);
    }
  };

  const drive = async (index: number): Promise<DrivenBudget> => {
    const driven: DrivenBudget = {
      index,
      projectId: `p-${options.label}-${index}`,
      jobNumber: `J-${options.label}-${index}`.toUpperCase(),
      budgetId: null,
      finalStatus: null,
      stuckAt: null,
      duplicateAnswers: [],
      postRequestedAt: null,
    };
    const status = async (): Promise<string | null> => {
      const r = await persist('read budget', stepMs, () => client.budget('pm', 'GET', `/budgets/${driven.budgetId}`));
      return r.status === 200 ? (r.body.erpStatus as string) : null;
    };
    const waitFor = async (step: string, done: (s: string) => boolean, timeoutMs: number): Promise<string> => {
      const deadline = Date.now() + timeoutMs;
      let last: string | null = null;
      while (Date.now() < deadline) {
        last = await status();
        driven.finalStatus = last;
        if (last && done(last)) return last;
        await sleep(300);
      }
      throw new StepTimeout(`${step} (last ${last})`);
    };
    try {
      const job = await persist('job in the ERP', stepMs, () =>
        client.simulator('POST', '/_sim/jobs', { system, companyId: client.companyId, jobNumber: driven.jobNumber, costCodes: COST_CODES }),
      );
      if (job.status !== 201) throw new Error(`job: ${job.status}`);
      const link = await persist('link', stepMs, () => client.erp('integrations', 'POST', `/erp/projects/${driven.projectId}/link`, { jobNumber: driven.jobNumber }));
      if (link.status !== 200) throw new Error(`link: ${link.status} ${JSON.stringify(link.body)}`);

      const name = `Load ${options.label} ${index}`;
      const created = await persist(
        'create',
        stepMs,
        async () => {
          // An earlier attempt may have created it without its answer reaching us.
          const listed = await client.budget('pm', 'GET', `/projects/${driven.projectId}/budgets`);
          if (listed.status >= 500) return listed;
          const items = (Array.isArray(listed.body) ? listed.body : (listed.body?.items ?? [])) as { id: string; name: string }[];
          const existing = items.find((b) => b.name === name);
          if (existing) return { status: 201, body: existing };
          return client.budget('pm', 'POST', `/projects/${driven.projectId}/budgets`, {
            name,
            lines: [
              { costCode: COST_CODES[0].code, amount: `${1000 + index}.25` },
              { costCode: COST_CODES[2].code, amount: '480250.75' },
            ],
          });
        },
      );
      if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
      driven.budgetId = created.body.id as string;

      const locked = await persist('lock', stepMs, () => client.budget('pm', 'POST', `/budgets/${driven.budgetId}/lock`, {}));
      if (locked.status !== 200 && locked.status !== 409) throw new Error(`lock: ${locked.status} ${JSON.stringify(locked.body)}`);
      await persist('readiness', stepMs, () => client.budget('pm', 'GET', `/budgets/${driven.budgetId}/erp-readiness`), (r) => r.body?.canSend === true);

      const sendOnce = () => client.budget('pm', 'POST', `/budgets/${driven.budgetId}/send-to-erp`, {});
      if (options.duplicateCommands) {
        const answers = await Promise.allSettled([sendOnce(), sendOnce()]);
        driven.duplicateAnswers.push(...answers.map((a) => (a.status === 'fulfilled' ? a.value.status : 0)));
      }
      // Sent (again) until the budget has left not_sent: a send whose answer was lost may have landed.
      await persist(
        'send',
        stepMs,
        async () => {
          const current = await status();
          if (current && current !== 'not_sent') return { status: 202, body: {} };
          return sendOnce();
        },
        (r) => r.status === 202,
      );

      await persist(
        'ready to export',
        stepMs,
        () => client.approval('approver', 'GET', `/erp-integrations/budgets/${driven.budgetId}`),
        (r) => r.status === 200 && r.body?.erpStatus === 'awaiting_acceptance',
      );
      const acceptOnce = () => client.approval('approver', 'POST', `/erp-integrations/budgets/${driven.budgetId}/accept`, {});
      if (options.duplicateCommands) {
        const answers = await Promise.allSettled([acceptOnce(), acceptOnce()]);
        driven.duplicateAnswers.push(...answers.map((a) => (a.status === 'fulfilled' ? a.value.status : 0)));
      }
      await persist(
        'accept',
        stepMs,
        async () => {
          const current = await status();
          if (current && current !== 'awaiting_acceptance') return { status: 202, body: {} };
          return acceptOnce();
        },
        (r) => r.status === 202,
      );

      const exported = await waitFor('exported', (s) => s === 'awaiting_posting' || FINAL.has(s), settleMs);
      if (exported === 'awaiting_posting') {
        exportedOnce();
        if (options.holdPostingUntilFault) await faultInjected;
        driven.postRequestedAt = Date.now();
        await persist('post in the ERP', stepMs, () =>
          client.simulator('POST', `/_sim/${system}/jobs/${driven.jobNumber}/post-entries?companyId=${encodeURIComponent(client.companyId)}`, {}),
        );
        await waitFor('synced', (s) => FINAL.has(s), settleMs);
      }
    } catch (error) {
      driven.stuckAt = (error as Error).message;
    }
    return driven;
  };

  const worker = async () => {
    while (next < options.budgets) {
      const index = next++;
      const driven = await drive(index);
      results.push(driven);
      // A budget that ended without being exported still counts toward the trigger, so the fault always goes in.
      if (driven.postRequestedAt === null) exportedOnce();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  await faultDone;
  return results.sort((a, b) => a.index - b.index);
}
