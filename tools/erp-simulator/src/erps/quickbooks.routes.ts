import { reply, type Route, type RouteContext } from '../http';
import type { SimEntry, SimJob } from '../simulator-state';
import type { SimulatedErp } from './simulated-erp';
import { asArray, asRecord, lineProblems, toLine } from './validation';

/**
 * QuickBooks Online-shaped API: projects (customers), items as cost codes, estimates, and a job
 * costing report on which an estimate's amount shows once the accountant has posted it. No sub
 * jobs. Estimates must be enabled in the company's preferences. `requestid` is QuickBooks' own
 * idempotency parameter: a repeated request id answers the estimate already created.
 */
const system = 'quickbooks' as const;

const jobOf = (ctx: RouteContext, jobNumber = ctx.params.job): SimJob | undefined => ctx.state.findJob(system, jobNumber, ctx.params.realm);
const fault = (status: number, type: string, errors: string[]) =>
  reply(status, { Fault: { type, Error: errors.map((Message) => ({ Message, Detail: Message, code: type === 'ValidationFault' ? '6000' : '610' })) } });

const estimateView = (job: SimJob, e: SimEntry) => ({
  Id: e.reference,
  RequestId: e.idempotencyKey,
  CustomerRef: { value: job.jobNumber, name: job.name },
  PrivateNote: e.description,
  TotalAmt: e.total,
  TxnStatus: e.posted ? 'Closed' : 'Pending',
  Line: e.lines.map((l) => ({
    Amount: l.amount,
    Description: l.description,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: { ItemRef: { value: l.costCode }, ClassRef: l.costType ? { value: l.costType } : undefined },
  })),
});

/**
 * The part of QuickBooks' query language the connector uses to list projects: customers that are
 * jobs, optionally `DisplayName LIKE '...'` (`%` any text, `\'` a quote), with STARTPOSITION
 * (from 1) and MAXRESULTS (at most 1000). Anything else is a QueryParserError, as QuickBooks answers.
 */
const PROJECT_QUERY = /^select \* from customer where job = true(?: and displayname like '((?:[^'\\]|\\.)*)')?(?: startposition (\d+))?(?: maxresults (\d+))?$/i;

function projectQuery(query: string): { like: RegExp | null; start: number; max: number } | string {
  const match = PROJECT_QUERY.exec(query.trim());
  if (!match) return `Error parsing query: ${query}`;
  const start = match[2] === undefined ? 1 : Number(match[2]);
  const max = match[3] === undefined ? 100 : Number(match[3]);
  if (start < 1) return 'STARTPOSITION must be at least 1';
  if (max < 1 || max > 1000) return 'MAXRESULTS must be from 1 to 1000';
  const pattern = match[1]?.replace(/\\(.)/g, '$1');
  const like = pattern === undefined ? null : new RegExp(`^${pattern.split('%').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'is');
  return { like, start, max };
}

export const quickbooksRoutes: Route[] = [
  {
    method: 'GET',
    path: '/quickbooks/v3/company/:realm/query',
    system,
    handle: (ctx) => {
      const parsed = projectQuery(ctx.query.get('query') ?? '');
      if (typeof parsed === 'string') return reply(400, { Fault: { type: 'ValidationFault', Error: [{ Message: 'QueryParserError', Detail: parsed, code: '4000' }] } });
      const projects = ctx.state.listJobs(system, ctx.params.realm, '').filter((j) => parsed.like === null || parsed.like.test(j.name));
      const page = projects.slice(parsed.start - 1, parsed.start - 1 + parsed.max);
      return reply(200, {
        QueryResponse: { Customer: page.map((j) => ({ Id: j.jobNumber, DisplayName: j.name, Job: true, IsProject: true })), startPosition: parsed.start, maxResults: page.length },
        time: new Date().toISOString(),
      });
    },
  },
  {
    method: 'GET',
    path: '/quickbooks/v3/company/:realm/preferences',
    system,
    handle: (ctx) =>
      reply(200, { Preferences: { SalesFormsPrefs: { AllowEstimates: ctx.state.company(system, ctx.params.realm).estimatesEnabled } } }),
  },
  {
    method: 'GET',
    path: '/quickbooks/v3/company/:realm/projects/:job',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return fault(404, 'ValidationFault', [`Object Not Found: project ${ctx.params.job}`]);
      return reply(200, { Customer: { Id: job.jobNumber, DisplayName: job.name, Job: true, IsProject: true } });
    },
  },
  {
    method: 'GET',
    path: '/quickbooks/v3/company/:realm/projects/:job/items',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return fault(404, 'ValidationFault', [`Object Not Found: project ${ctx.params.job}`]);
      return reply(200, { QueryResponse: { Item: job.costCodes.map((c) => ({ Name: c.code, Description: c.description, Type: 'Service' })) } });
    },
  },
  {
    method: 'POST',
    path: '/quickbooks/v3/company/:realm/estimate',
    system,
    write: true,
    handle: (ctx) => {
      const body = asRecord(ctx.body);
      const customer = String(asRecord(body.CustomerRef).value ?? '');
      const job = jobOf(ctx, customer);
      if (!job) return fault(400, 'ValidationFault', [`Invalid Reference Id: project ${customer} does not exist`]);
      const requestId = ctx.query.get('requestid') ?? '';
      const lines = asArray(body.Line).map((raw) => {
        const l = asRecord(raw);
        const detail = asRecord(l.SalesItemLineDetail);
        return toLine({
          costCode: asRecord(detail.ItemRef).value,
          costType: asRecord(detail.ClassRef).value,
          subJob: asRecord(detail.SubJobRef).value,
          description: l.Description,
          amount: l.Amount,
        });
      });
      if (!ctx.state.company(system, ctx.params.realm).estimatesEnabled) {
        return fault(400, 'ValidationFault', ['Estimates are turned off for this company (Account and Settings → Sales → Estimates)']);
      }
      const kind = body.PrivateNote && String(body.PrivateNote).startsWith('Revision') ? 'revision' : 'original';
      const problems = lineProblems(job, lines, { subJobsSupported: false, allowNegative: kind === 'revision' });
      if (!requestId) problems.push('requestid is required');
      if (ctx.rejectInjected) problems.push(`Project ${job.jobNumber} is inactive: no new transactions are allowed`);
      if (problems.length > 0) return fault(400, 'ValidationFault', problems);
      const description = typeof body.PrivateNote === 'string' ? body.PrivateNote : null;
      const { entry } = ctx.state.addEntry(job, { idempotencyKey: requestId, kind, description, lines, revision: null }, 'EST');
      return reply(200, { Estimate: estimateView(job, entry), time: new Date().toISOString() });
    },
  },
  {
    method: 'GET',
    path: '/quickbooks/v3/company/:realm/estimates',
    system,
    handle: (ctx) => {
      const found = ctx.state.findEntry(system, ctx.params.realm, { idempotencyKey: ctx.query.get('requestid') ?? '' });
      return reply(200, { QueryResponse: { Estimate: found ? [estimateView(found.job, found.entry)] : [] } });
    },
  },
  {
    method: 'GET',
    path: '/quickbooks/v3/company/:realm/reports/JobCosting',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx, ctx.query.get('customer') ?? '');
      if (!job) return fault(400, 'ValidationFault', [`Invalid Reference Id: project ${ctx.query.get('customer') ?? ''}`]);
      return reply(200, {
        Header: { ReportName: 'JobCosting', Customer: job.jobNumber, Time: new Date().toISOString() },
        Rows: {
          Row: job.budget.map((l) => ({ ItemRef: l.costCode, ClassRef: l.costType, Description: l.description, EstimatedCost: l.amount })),
        },
        Estimates: job.entries.filter((e) => e.posted).map((e) => ({ Id: e.reference, RequestId: e.idempotencyKey, TotalAmt: e.total })),
      });
    },
  },
];

export const quickbooksErp: SimulatedErp = {
  system,
  routes: quickbooksRoutes,
  unauthorized: { Fault: { type: 'AUTHENTICATION', Error: [{ Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', Detail: 'Token invalid', code: '3200' }] } },
};
