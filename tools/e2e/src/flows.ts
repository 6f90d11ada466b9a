import { ErpSystem, eventually, PlatformClient } from './client';

export interface BudgetView {
  id: string;
  projectId: string;
  name: string;
  origin: 'platform' | 'erp';
  locked: boolean;
  erpStatus: string;
  total: string;
  lines: { id: string; costCode: string; costType: string | null; subJob: string | null; description: string | null; amount: string }[];
}

export const COST_CODES = [
  { code: '01-100', description: 'General conditions' },
  { code: '02-200', description: 'Site work' },
  { code: '03-300', description: 'Concrete' },
];

/** The ERP side of a project: a job in the ERP, the company's connection, and the project linked to the job. */
export async function linkProjectToErpJob(
  client: PlatformClient,
  options: { system: ErpSystem; projectId: string; jobNumber: string; subJobs?: string[]; estimatesEnabled?: boolean },
): Promise<void> {
  const job = await client.simulator('POST', '/_sim/jobs', {
    system: options.system,
    companyId: client.companyId,
    jobNumber: options.jobNumber,
    costCodes: COST_CODES,
    ...(options.subJobs ? { subJobs: options.subJobs } : {}),
    ...(options.estimatesEnabled !== undefined ? { estimatesEnabled: options.estimatesEnabled } : {}),
  });
  if (job.status !== 201) throw new Error(`simulator refused the job: ${job.status} ${JSON.stringify(job.body)}`);
  const connection = await client.erp('integrations', 'PUT', '/erp/connection', { system: options.system });
  if (connection.status !== 200) throw new Error(`connection: ${connection.status} ${JSON.stringify(connection.body)}`);
  const link = await client.erp('integrations', 'POST', `/erp/projects/${options.projectId}/link`, { jobNumber: options.jobNumber });
  if (link.status !== 200) throw new Error(`link: ${link.status} ${JSON.stringify(link.body)}`);
}

export async function createBudget(
  client: PlatformClient,
  projectId: string,
  lines: { costCode: string; amount: string; subJob?: string; costType?: string; description?: string }[],
  name = 'Original budget',
): Promise<BudgetView> {
  const created = await client.budget('pm', 'POST', `/projects/${projectId}/budgets`, { name, lines });
  if (created.status !== 201) throw new Error(`create budget: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as BudgetView;
}

export async function getBudget(client: PlatformClient, budgetId: string): Promise<BudgetView> {
  const response = await client.budget('pm', 'GET', `/budgets/${budgetId}`);
  if (response.status !== 200) throw new Error(`get budget: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as BudgetView;
}

export function waitForErpStatus(client: PlatformClient, budgetId: string, erpStatus: string, timeoutMs = 30000): Promise<BudgetView> {
  return eventually(
    `budget ${budgetId} to reach ${erpStatus}`,
    async () => {
      const budget = await getBudget(client, budgetId);
      return budget.erpStatus === erpStatus ? budget : undefined;
    },
    { timeoutMs },
  );
}

/** Locks (when needed), waits until the readiness checks pass (the ERP link travels as an event), and sends. */
export async function lockAndSend(client: PlatformClient, budgetId: string): Promise<{ exportId: string; erpStatus: string }> {
  const budget = await getBudget(client, budgetId);
  if (!budget.locked) {
    const locked = await client.budget('pm', 'POST', `/budgets/${budgetId}/lock`, {});
    if (locked.status !== 200) throw new Error(`lock: ${locked.status} ${JSON.stringify(locked.body)}`);
  }
  await eventually(`budget ${budgetId} to be ready to send`, async () => {
    const readiness = await client.budget('pm', 'GET', `/budgets/${budgetId}/erp-readiness`);
    return readiness.body?.canSend === true;
  });
  const sent = await client.budget('pm', 'POST', `/budgets/${budgetId}/send-to-erp`, {});
  if (sent.status !== 202) throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body)}`);
  return sent.body;
}

export function waitForListing(client: PlatformClient, filter: string, budgetId: string, timeoutMs = 30000): Promise<Record<string, unknown>> {
  return eventually(
    `budget ${budgetId} under ${filter}`,
    async () => {
      const list = await client.approval('approver', 'GET', `/erp-integrations/budgets?filter=${filter}&limit=100`);
      return (list.body?.items as { budgetId: string }[] | undefined)?.find((item) => item.budgetId === budgetId);
    },
    { timeoutMs },
  );
}

export async function isListed(client: PlatformClient, filter: string, budgetId: string): Promise<boolean> {
  const list = await client.approval('approver', 'GET', `/erp-integrations/budgets?filter=${filter}&limit=100`);
  return ((list.body?.items as { budgetId: string }[] | undefined) ?? []).some((item) => item.budgetId === budgetId);
}

export async function acceptWhenListed(client: PlatformClient, budgetId: string, body: Record<string, unknown> = {}): Promise<void> {
  await waitForListing(client, 'ready_to_export', budgetId);
  const accepted = await client.approval('approver', 'POST', `/erp-integrations/budgets/${budgetId}/accept`, body);
  if (accepted.status !== 202) throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}

export interface SimJob {
  budget: { costCode: string; subJob: string | null; amount: string }[];
  exports: { idempotencyKey?: string; key?: string; reference?: string }[];
  revisions: Record<string, unknown>[];
  unposted: number;
  posted: boolean;
}

export async function simulatorJob(client: PlatformClient, system: ErpSystem, jobNumber: string): Promise<SimJob> {
  const job = await client.simulator('GET', `/_sim/${system}/jobs/${jobNumber}?companyId=${encodeURIComponent(client.companyId)}`);
  if (job.status !== 200) throw new Error(`simulator job: ${job.status} ${JSON.stringify(job.body)}`);
  return job.body as SimJob;
}

export async function postEntriesInErp(client: PlatformClient, system: ErpSystem, jobNumber: string): Promise<void> {
  const posted = await client.simulator('POST', `/_sim/${system}/jobs/${jobNumber}/post-entries?companyId=${encodeURIComponent(client.companyId)}`, {});
  if (posted.status !== 200) throw new Error(`post entries: ${posted.status} ${JSON.stringify(posted.body)}`);
}

export async function setErpFault(client: PlatformClient, system: ErpSystem, mode: string, count?: number): Promise<void> {
  const fault = await client.simulator('PUT', `/_sim/${system}/faults`, { mode, ...(count ? { count } : {}) });
  if (fault.status !== 200) throw new Error(`fault: ${fault.status} ${JSON.stringify(fault.body)}`);
}

/** The whole happy path of one budget: send → accept → exported → posted → synced. */
export async function exportAndPost(client: PlatformClient, system: ErpSystem, jobNumber: string, budgetId: string): Promise<string> {
  const { exportId } = await lockAndSend(client, budgetId);
  await acceptWhenListed(client, budgetId);
  await waitForErpStatus(client, budgetId, 'awaiting_posting');
  await postEntriesInErp(client, system, jobNumber);
  await waitForErpStatus(client, budgetId, 'synced');
  return exportId;
}
