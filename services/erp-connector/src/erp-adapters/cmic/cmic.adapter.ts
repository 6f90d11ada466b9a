import { fail, missing, ok, posted, unposted, type ErpAdapter, type ErpConnection, type ErpExportRef, type ErpLine, type ErpResult, type ExportRequest } from '../erp-adapter';
import { basicAuth, erpFetch, JsonListBody, list, record, text, type ErpHttpResponse } from '../erp-http';

const displayName = 'CMiC';

const call = (c: ErpConnection, method: 'GET' | 'POST', path: string, body?: unknown) =>
  erpFetch(c, displayName, method, `${path}${path.includes('?') ? '&' : '?'}compCode=${encodeURIComponent(c.erpCompanyId)}`, basicAuth(c.credentials), body);

const job = (n: string) => `/cmic/jc/jobs/${encodeURIComponent(n)}`;

function rejected(response: ErpHttpResponse, what: string): ErpResult<never> {
  const messages = list(record(response.body).messages).map(String);
  if (response.status === 404) return fail('permanent', 'job_not_found', `${what} was not found in ${displayName}`);
  return fail('permanent', 'validation_rejected', `${displayName} rejected the budget: ${messages.join('; ') || `HTTP ${response.status}`}`);
}

const batchRef = (b: unknown): ErpExportRef => ({ erpReference: String(record(b).batchNo), posted: record(b).status === 'POSTED' });

/** CMiC: budget batches wait unposted until the batch is posted; revisions carry revision fields. */
export const cmicAdapter: ErpAdapter = {
  system: 'cmic',
  displayName,
  capabilities: { subJobs: true, revisionFields: true, postingDetection: 'batch_status', estimatesFeatureRequired: false },
  hosting: 'per_customer',

  async fetchJob(c, jobNumber) {
    const head = await call(c, 'GET', job(jobNumber));
    if (!head.ok) return head;
    if (head.value.status !== 200) return rejected(head.value, `Job ${jobNumber}`);
    const codes = await call(c, 'GET', `${job(jobNumber)}/cost-codes`);
    if (!codes.ok) return codes;
    if (codes.value.status !== 200) return rejected(codes.value, `Job ${jobNumber}`);
    const h = record(head.value.body);
    return ok({
      jobNumber,
      name: String(h.jobName ?? jobNumber),
      costCodes: list(record(codes.value.body).items).map((i) => ({ code: String(record(i).phsCode), description: String(record(i).phsName ?? '') })),
      subJobs: list(h.subJobs).map((s) => String(record(s).subJobCode)),
    });
  },

  async findExport(c, _jobNumber, key) {
    const res = await call(c, 'GET', `/cmic/jc/budget-batches?extRef=${encodeURIComponent(key)}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, 'Budget batch');
    const found = list(record(res.value.body).items)[0];
    return ok(found ? batchRef(found) : null);
  },

  async exportBudget(c, request: ExportRequest) {
    const batch = {
      extRef: request.idempotencyKey,
      batchType: request.kind === 'original' ? 'ORIGINAL' : 'REVISION',
      description: request.description,
      revision: request.revision && {
        revType: request.revision.type,
        revDate: request.revision.date,
        revNumber: request.revision.number,
        revStatus: request.revision.status,
        approvedBy: request.revision.approvedBy,
      },
    };
    const res = await call(
      c,
      'POST',
      `${job(request.jobNumber)}/budget-batches`,
      new JsonListBody(batch, 'lines', request.lines, (l) => ({ phsCode: l.costCode, catCode: l.costType, subJobCode: l.subJob, description: l.description, amount: l.amount })),
    );
    if (!res.ok) return res;
    if (res.value.status !== 200 && res.value.status !== 201) return rejected(res.value, `Job ${request.jobNumber}`);
    return ok(batchRef(res.value.body));
  },

  async checkPosted(c, jobNumber, ref) {
    const res = await call(c, 'GET', `/cmic/jc/budget-batches/${encodeURIComponent(ref.erpReference)}`);
    if (!res.ok) return res;
    if (res.value.status === 404) return ok(missing(`${displayName} has no budget batch ${ref.erpReference}`));
    if (res.value.status !== 200) return rejected(res.value, `Budget batch ${ref.erpReference}`);
    const batch = record(res.value.body);
    if (batch.extRef !== ref.idempotencyKey || batch.jobCode !== jobNumber) {
      return ok(missing(`${displayName} budget batch ${ref.erpReference} belongs to another export (job ${String(batch.jobCode)}, reference ${String(batch.extRef)})`));
    }
    return ok(batch.status === 'POSTED' ? posted : unposted);
  },

  async readBudget(c, jobNumber) {
    const res = await call(c, 'GET', `${job(jobNumber)}/budget`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, `Job ${jobNumber}`);
    return ok(
      list(record(res.value.body).items).map((raw): ErpLine => {
        const i = record(raw);
        return { costCode: String(i.phsCode), costType: text(i.catCode), subJob: text(i.subJobCode), description: text(i.description), amount: String(i.amount) };
      }),
    );
  },

  async listJobs(c, query) {
    const res = await call(c, 'GET', `/cmic/jc/jobs?search=${encodeURIComponent(query.search)}&offset=${query.offset}&limit=${query.limit}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, 'The job list');
    const body = record(res.value.body);
    return ok({
      items: list(body.items).map((i) => ({ jobNumber: String(record(i).jobCode), name: String(record(i).jobName ?? record(i).jobCode) })),
      hasMore: body.hasMore === true,
    });
  },
};
