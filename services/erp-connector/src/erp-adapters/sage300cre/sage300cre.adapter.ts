import { fail, missing, ok, posted, unposted, type ErpAdapter, type ErpConnection, type ErpExportRef, type ErpLine, type ErpResult } from '../erp-adapter';
import { basicAuth, erpFetch, JsonListBody, list, record, text, type ErpHttpResponse } from '../erp-http';

const displayName = 'Sage 300 CRE';

const base = (c: ErpConnection) => `/sage300cre/companies/${encodeURIComponent(c.erpCompanyId)}`;
const call = (c: ErpConnection, method: 'GET' | 'POST', path: string, body?: unknown) =>
  erpFetch(c, displayName, method, `${base(c)}${path}`, basicAuth(c.credentials), body);

function rejected(response: ErpHttpResponse, what: string): ErpResult<never> {
  if (response.status === 404) return fail('permanent', 'job_not_found', `${what} was not found in ${displayName}`);
  const messages = list(record(response.body).Errors).map((e) => String(record(e).Message));
  return fail('permanent', 'validation_rejected', `${displayName} rejected the job cost entry: ${messages.join('; ') || `HTTP ${response.status}`}`);
}

const entryRef = (e: unknown): ErpExportRef => ({ erpReference: String(record(e).EntryId), posted: record(e).Status === 'Posted' });

/** Sage 300 CRE: job cost entries stay unposted until Job Cost → Post Entries. */
export const sage300creAdapter: ErpAdapter = {
  system: 'sage300cre',
  displayName,
  capabilities: { subJobs: true, revisionFields: false, postingDetection: 'entry_status', estimatesFeatureRequired: false },
  hosting: 'vendor',

  async fetchJob(c, jobNumber) {
    const job = `/jobs/${encodeURIComponent(jobNumber)}`;
    const head = await call(c, 'GET', job);
    if (!head.ok) return head;
    if (head.value.status !== 200) return rejected(head.value, `Job ${jobNumber}`);
    const codes = await call(c, 'GET', `${job}/cost-codes`);
    if (!codes.ok) return codes;
    if (codes.value.status !== 200) return rejected(codes.value, `Job ${jobNumber}`);
    const h = record(head.value.body);
    return ok({
      jobNumber,
      name: String(h.Description ?? jobNumber),
      costCodes: list(record(codes.value.body).CostCodes).map((i) => ({ code: String(record(i).Code), description: String(record(i).Description ?? '') })),
      subJobs: list(h.SubJobs).map((s) => String(record(s).SubJob)),
    });
  },

  async findExport(c, _jobNumber, key) {
    const res = await call(c, 'GET', `/jc/entries?reference=${encodeURIComponent(key)}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, 'Job cost entry');
    const found = list(record(res.value.body).Entries)[0];
    return ok(found ? entryRef(found) : null);
  },

  async exportBudget(c, request) {
    const entry = {
      Reference: request.idempotencyKey,
      Job: request.jobNumber,
      EntryType: request.kind === 'original' ? 'OriginalEstimate' : 'ApprovedEstimateChange',
      Description: request.description,
    };
    const res = await call(
      c,
      'POST',
      '/jc/entries',
      new JsonListBody(entry, 'Lines', request.lines, (l) => ({ CostCode: l.costCode, Category: l.costType, SubJob: l.subJob, Description: l.description, Amount: l.amount })),
    );
    if (!res.ok) return res;
    if (res.value.status !== 200 && res.value.status !== 201) return rejected(res.value, `Job ${request.jobNumber}`);
    return ok(entryRef(res.value.body));
  },

  async checkPosted(c, jobNumber, ref) {
    const res = await call(c, 'GET', `/jc/entries/${encodeURIComponent(ref.erpReference)}`);
    if (!res.ok) return res;
    if (res.value.status === 404) return ok(missing(`${displayName} has no job cost entry ${ref.erpReference}`));
    if (res.value.status !== 200) return rejected(res.value, `Job cost entry ${ref.erpReference}`);
    const entry = record(res.value.body);
    if (entry.Reference !== ref.idempotencyKey || entry.Job !== jobNumber) {
      return ok(missing(`${displayName} job cost entry ${ref.erpReference} belongs to another export (job ${String(entry.Job)}, reference ${String(entry.Reference)})`));
    }
    return ok(entry.Status === 'Posted' ? posted : unposted);
  },

  async readBudget(c, jobNumber) {
    const res = await call(c, 'GET', `/jobs/${encodeURIComponent(jobNumber)}/estimates`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, `Job ${jobNumber}`);
    return ok(
      list(record(res.value.body).Lines).map((raw): ErpLine => {
        const i = record(raw);
        return { costCode: String(i.CostCode), costType: text(i.Category), subJob: text(i.SubJob), description: text(i.Description), amount: String(i.Amount) };
      }),
    );
  },

  async listJobs(c, query) {
    const res = await call(c, 'GET', `/jobs?search=${encodeURIComponent(query.search)}&skip=${query.offset}&top=${query.limit}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, 'The job list');
    const body = record(res.value.body);
    return ok({
      items: list(body.Jobs).map((j) => ({ jobNumber: String(record(j).Job), name: String(record(j).Description ?? record(j).Job) })),
      hasMore: body.HasMore === true,
    });
  },
};
