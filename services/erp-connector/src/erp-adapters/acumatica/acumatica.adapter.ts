import { erpSystemInfo } from '@budget-erp/contracts';
import { fail, missing, ok, posted, unposted, type ErpAdapter, type ErpConnection, type ErpExportRef, type ErpLine, type ErpResult } from '../erp-adapter';
import { bearerAuth, erpFetch, erpReasonIn, JsonListBody, list, record, type ErpHttpResponse } from '../erp-http';

/** The name accountants know it by: the platform's ERP registry entry. */
const displayName = erpSystemInfo('acumatica')!.name;

/** The contract-based REST endpoint and version the adapter speaks (see README.md). */
export const ACUMATICA_ENDPOINT = '/entity/Default/23.200.001';

const call = (c: ErpConnection, method: 'GET' | 'PUT', path: string, body?: unknown) =>
  erpFetch(c, displayName, method, `${ACUMATICA_ENDPOINT}${path}`, bearerAuth(c.credentials), body);

/** An OData string literal: quotes doubled. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const filter = (expression: string) => `$filter=${encodeURIComponent(expression)}`;

/** Every field travels as `{ "value": ... }`. */
const v = (value: unknown) => ({ value });
const valueOf = (field: unknown): unknown => record(field).value;
const textOf = (field: unknown): string | null => {
  const value = valueOf(field);
  return typeof value === 'string' && value.length > 0 ? value : null;
};

/**
 * A decimal the API answered as a JSON number, as a two-digit decimal string. Amounts carry at most
 * two fraction digits, and below 10^13 a double keeps them exactly.
 */
function amountOf(field: unknown): string {
  const value = valueOf(field);
  if (typeof value === 'string') return value;
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) >= 1e13) return String(value);
  return value.toFixed(2);
}

/** Validation errors come back as 422 with an `error` on the entity and on each field at fault. */
function errorsIn(body: unknown, depth = 0): string[] {
  if (depth > 3) return [];
  if (Array.isArray(body)) return body.flatMap((item) => errorsIn(item, depth + 1));
  const entity = record(body);
  return Object.entries(entity).flatMap(([key, value]) => {
    if (key === 'error' && typeof value === 'string') return [value];
    return typeof value === 'object' && value !== null ? errorsIn(value, depth + 1) : [];
  });
}

function rejected(response: ErpHttpResponse, what: string): ErpResult<never> {
  if (response.status === 404) return fail('permanent', 'job_not_found', `${what} was not found in ${displayName}`);
  const reasons = [...new Set(errorsIn(response.body))];
  const reason = reasons.length > 0 ? reasons.join('; ') : (erpReasonIn(response.body) ?? `HTTP ${response.status}`);
  return fail('permanent', 'validation_rejected', `${displayName} rejected the change order: ${reason}`);
}

const changeOrderRef = (e: unknown): ErpExportRef => ({ erpReference: String(valueOf(record(e).RefNbr)), posted: valueOf(record(e).Status) === 'Closed' });

async function projectTasks(c: ErpConnection, projectId: string): Promise<ErpResult<{ id: string; isDefault: boolean }[]>> {
  const res = await call(c, 'GET', `/ProjectTask?${filter(`ProjectID eq ${literal(projectId)}`)}`);
  if (!res.ok) return res;
  if (res.value.status !== 200) return rejected(res.value, `Project ${projectId}`);
  return ok(list(res.value.body).map((t) => ({ id: String(valueOf(record(t).ProjectTaskID)), isDefault: valueOf(record(t).Default) === true })));
}

/**
 * Acumatica Cloud ERP, one site per customer: a project is the job, its project tasks are the sub
 * jobs, cost codes are company-wide. An export is a cost-budget change order (`ExternalRefNbr` =
 * the export's key, looked up before any retry because Acumatica does not deduplicate it); it is
 * posted when the accountant releases it (status `Closed`). Lines without a sub job go to the
 * project's default task, and read back without one. Credentials: an OAuth 2.0 access token.
 */
export const acumaticaAdapter: ErpAdapter = {
  system: 'acumatica',
  displayName,
  capabilities: { subJobs: true, revisionFields: false, postingDetection: 'entry_status', estimatesFeatureRequired: false },
  hosting: 'per_customer',
  instancePath: (erpCompanyId) => `/acumatica/${encodeURIComponent(erpCompanyId)}`,

  async fetchJob(c, jobNumber) {
    const head = await call(c, 'GET', `/Project/${encodeURIComponent(jobNumber)}`);
    if (!head.ok) return head;
    if (head.value.status !== 200) return rejected(head.value, `Project ${jobNumber}`);
    const tasks = await projectTasks(c, jobNumber);
    if (!tasks.ok) return tasks;
    const codes = await call(c, 'GET', '/CostCode');
    if (!codes.ok) return codes;
    if (codes.value.status !== 200) return rejected(codes.value, 'The cost code list');
    return ok({
      jobNumber,
      name: textOf(record(head.value.body).Description) ?? jobNumber,
      costCodes: list(codes.value.body).map((code) => ({ code: String(valueOf(record(code).CostCodeID)), description: textOf(record(code).Description) ?? '' })),
      subJobs: tasks.value.map((t) => t.id),
    });
  },

  async findExport(c, jobNumber, key) {
    const res = await call(c, 'GET', `/ChangeOrder?${filter(`ExternalRefNbr eq ${literal(key)} and ProjectID eq ${literal(jobNumber)}`)}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, 'Change order');
    const found = list(res.value.body)[0];
    return ok(found ? changeOrderRef(found) : null);
  },

  async exportBudget(c, request) {
    let defaultTask: string | null = null;
    // A first pass over the lines (read a slice at a time) finds whether any needs the default task.
    let needsDefaultTask = false;
    for await (const slice of request.lines()) {
      if (slice.some((l) => l.subJob === null)) {
        needsDefaultTask = true;
        break;
      }
    }
    if (needsDefaultTask) {
      const tasks = await projectTasks(c, request.jobNumber);
      if (!tasks.ok) return tasks;
      defaultTask = (tasks.value.find((t) => t.isDefault) ?? tasks.value[0])?.id ?? null;
      if (defaultTask === null) return fail('permanent', 'validation_rejected', `${displayName} project ${request.jobNumber} has no project task to hold budget lines without a sub job`);
    }
    const changeOrder = {
      ProjectID: v(request.jobNumber),
      ExternalRefNbr: v(request.idempotencyKey),
      Description: v([request.kind === 'revision' ? 'Revision' : 'Original budget', request.description].filter(Boolean).join(': ')),
      Hold: v(false),
      ...(request.revision ? { ChangeDate: v(request.revision.date) } : {}),
    };
    // Amounts go as decimal strings, which the API reads as decimals: never through a float.
    const res = await call(
      c,
      'PUT',
      '/ChangeOrder',
      new JsonListBody(changeOrder, 'CostBudget', request.lines, (l) => ({
        ProjectTaskID: v(l.subJob ?? defaultTask),
        CostCode: v(l.costCode),
        ...(l.costType ? { AccountGroup: v(l.costType) } : {}),
        ...(l.description ? { Description: v(l.description) } : {}),
        Amount: v(l.amount),
      })),
    );
    if (!res.ok) return res;
    if (res.value.status !== 200 && res.value.status !== 201) return rejected(res.value, `Project ${request.jobNumber}`);
    return ok(changeOrderRef(res.value.body));
  },

  async checkPosted(c, jobNumber, ref) {
    const res = await call(c, 'GET', `/ChangeOrder/${encodeURIComponent(ref.erpReference)}`);
    if (!res.ok) return res;
    if (res.value.status === 404) return ok(missing(`${displayName} has no change order ${ref.erpReference}`));
    if (res.value.status !== 200) return rejected(res.value, `Change order ${ref.erpReference}`);
    const changeOrder = record(res.value.body);
    const project = valueOf(changeOrder.ProjectID);
    const key = valueOf(changeOrder.ExternalRefNbr);
    if (key !== ref.idempotencyKey || project !== jobNumber) {
      return ok(missing(`${displayName} change order ${ref.erpReference} belongs to another export (project ${String(project)}, external reference ${String(key)})`));
    }
    return ok(valueOf(changeOrder.Status) === 'Closed' ? posted : unposted);
  },

  async readBudget(c, jobNumber) {
    // Lines exported without a sub job sit on the project's default task: read back, they have none again.
    const tasks = await projectTasks(c, jobNumber);
    if (!tasks.ok) return tasks;
    const defaultTask = (tasks.value.find((t) => t.isDefault) ?? tasks.value[0])?.id ?? null;
    const res = await call(c, 'GET', `/ProjectBudget?${filter(`ProjectID eq ${literal(jobNumber)} and Type eq 'Expense'`)}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, `Project ${jobNumber}`);
    return ok(
      list(res.value.body).map((raw): ErpLine => {
        const line = record(raw);
        const task = textOf(line.ProjectTaskID);
        return {
          costCode: String(valueOf(line.CostCode)),
          costType: textOf(line.AccountGroup),
          subJob: task === defaultTask ? null : task,
          description: textOf(line.Description),
          amount: amountOf(line.RevisedBudgetedAmount),
        };
      }),
    );
  },

  async listJobs(c, query) {
    const search = query.search ? `&${filter(`substringof(${literal(query.search)},ProjectID) or substringof(${literal(query.search)},Description)`)}` : '';
    const res = await call(c, 'GET', `/Project?$top=${query.limit + 1}&$skip=${query.offset}${search}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, 'The project list');
    const projects = list(res.value.body);
    return ok({
      items: projects.slice(0, query.limit).map((p) => ({ jobNumber: String(valueOf(record(p).ProjectID)), name: textOf(record(p).Description) ?? String(valueOf(record(p).ProjectID)) })),
      hasMore: projects.length > query.limit,
    });
  },
};
