import { fail, missing, ok, posted, unposted, type ErpAdapter, type ErpConnection, type ErpExportRef, type ErpLine, type ErpResult } from '../erp-adapter';
import { bearerAuth, erpFetch, JsonListBody, list, record, text, type ErpHttpResponse } from '../erp-http';

const displayName = 'QuickBooks Online';

const base = (c: ErpConnection) => `/quickbooks/v3/company/${encodeURIComponent(c.erpCompanyId)}`;
const call = (c: ErpConnection, method: 'GET' | 'POST', path: string, body?: unknown) =>
  erpFetch(c, displayName, method, `${base(c)}${path}`, bearerAuth(c.credentials), body);

function rejected(response: ErpHttpResponse, what: string): ErpResult<never> {
  if (response.status === 404) return fail('permanent', 'job_not_found', `${what} was not found in ${displayName}`);
  const messages = list(record(record(response.body).Fault).Error).map((e) => String(record(e).Message));
  if (messages.some((m) => /estimates are turned off/i.test(m))) {
    return fail('permanent', 'estimates_disabled', `Estimates are turned off in ${displayName}; turn them on under Account and Settings → Sales`);
  }
  return fail('permanent', 'validation_rejected', `${displayName} rejected the estimate: ${messages.join('; ') || `HTTP ${response.status}`}`);
}

const estimateRef = (e: unknown): ErpExportRef => ({ erpReference: String(record(e).Id), posted: record(e).TxnStatus === 'Closed' });

async function readCompanySettings(c: ErpConnection): Promise<ErpResult<{ estimatesEnabled: boolean }>> {
  const prefs = await call(c, 'GET', '/preferences');
  if (!prefs.ok) return prefs;
  if (prefs.value.status !== 200) return rejected(prefs.value, 'Company preferences');
  return ok({ estimatesEnabled: record(record(record(prefs.value.body).Preferences).SalesFormsPrefs).AllowEstimates !== false });
}

/**
 * QuickBooks Online: no sub jobs; an export is an estimate (its `requestid` is QuickBooks' own
 * idempotency key); posting shows as the estimate's amount on the job costing report.
 */
export const quickbooksAdapter: ErpAdapter = {
  system: 'quickbooks',
  displayName,
  capabilities: { subJobs: false, revisionFields: false, postingDetection: 'job_cost_report', estimatesFeatureRequired: true },
  hosting: 'vendor',

  async fetchJob(c, jobNumber) {
    const project = `/projects/${encodeURIComponent(jobNumber)}`;
    const head = await call(c, 'GET', project);
    if (!head.ok) return head;
    if (head.value.status !== 200) return rejected(head.value, `Project ${jobNumber}`);
    const items = await call(c, 'GET', `${project}/items`);
    if (!items.ok) return items;
    if (items.value.status !== 200) return rejected(items.value, `Project ${jobNumber}`);
    return ok({
      jobNumber,
      name: String(record(record(head.value.body).Customer).DisplayName ?? jobNumber),
      costCodes: list(record(record(items.value.body).QueryResponse).Item).map((i) => ({
        code: String(record(i).Name),
        description: String(record(i).Description ?? ''),
      })),
      subJobs: [],
    });
  },

  async findExport(c, _jobNumber, key) {
    const res = await call(c, 'GET', `/estimates?requestid=${encodeURIComponent(key)}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, 'Estimate');
    const found = list(record(record(res.value.body).QueryResponse).Estimate)[0];
    return ok(found ? estimateRef(found) : null);
  },

  readCompanySettings,

  async exportBudget(c, request) {
    const settings = await readCompanySettings(c);
    if (!settings.ok) return settings;
    if (!settings.value.estimatesEnabled) {
      return fail('permanent', 'estimates_disabled', `Estimates are turned off in ${displayName}; turn them on under Account and Settings → Sales`);
    }
    const estimate = {
      CustomerRef: { value: request.jobNumber },
      PrivateNote: [request.kind === 'revision' ? 'Revision' : 'Original budget', request.description].filter(Boolean).join(': '),
    };
    const res = await call(
      c,
      'POST',
      `/estimate?requestid=${encodeURIComponent(request.idempotencyKey)}`,
      new JsonListBody(estimate, 'Line', request.lines, (l) => ({
        Amount: l.amount,
        Description: l.description,
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: { ItemRef: { value: l.costCode }, ...(l.costType ? { ClassRef: { value: l.costType } } : {}) },
      })),
    );
    if (!res.ok) return res;
    if (res.value.status !== 200 && res.value.status !== 201) return rejected(res.value, `Project ${request.jobNumber}`);
    return ok(estimateRef(record(res.value.body).Estimate));
  },

  async checkPosted(c, jobNumber, ref) {
    const res = await call(c, 'GET', `/reports/JobCosting?customer=${encodeURIComponent(jobNumber)}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, `Project ${jobNumber}`);
    const onReport = list(record(res.value.body).Estimates).map(record).find((e) => e.Id === ref.erpReference);
    if (onReport && onReport.RequestId === ref.idempotencyKey) return ok(posted);
    // Not on the job's cost report: unposted if the estimate written with this request id is still there.
    const written = await quickbooksAdapter.findExport(c, jobNumber, ref.idempotencyKey);
    if (!written.ok) return written;
    if (written.value?.erpReference === ref.erpReference) return ok(unposted);
    return ok(
      missing(
        written.value
          ? `${displayName} holds this export as estimate ${written.value.erpReference}, not ${ref.erpReference}`
          : `${displayName} has no estimate written with request id ${ref.idempotencyKey} on project ${jobNumber}`,
      ),
    );
  },

  async readBudget(c, jobNumber) {
    const res = await call(c, 'GET', `/reports/JobCosting?customer=${encodeURIComponent(jobNumber)}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, `Project ${jobNumber}`);
    return ok(
      list(record(record(res.value.body).Rows).Row).map((raw): ErpLine => {
        const i = record(raw);
        return { costCode: String(i.ItemRef), costType: text(i.ClassRef), subJob: null, description: text(i.Description), amount: String(i.EstimatedCost) };
      }),
    );
  },

  async listJobs(c, query) {
    // The query language: projects are customers with Job = true; STARTPOSITION counts from 1.
    // One more than a page is asked for, to know whether another page follows.
    const like = query.search ? ` AND DisplayName LIKE '%${query.search.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}%'` : '';
    const statement = `SELECT * FROM Customer WHERE Job = true${like} STARTPOSITION ${query.offset + 1} MAXRESULTS ${query.limit + 1}`;
    const res = await call(c, 'GET', `/query?query=${encodeURIComponent(statement)}`);
    if (!res.ok) return res;
    if (res.value.status !== 200) return rejected(res.value, 'The project list');
    const customers = list(record(record(res.value.body).QueryResponse).Customer);
    return ok({
      items: customers.slice(0, query.limit).map((cu) => ({ jobNumber: String(record(cu).Id), name: String(record(cu).DisplayName ?? record(cu).Id) })),
      hasMore: customers.length > query.limit,
    });
  },
};
