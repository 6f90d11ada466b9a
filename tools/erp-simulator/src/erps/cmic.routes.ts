import { reply, type Route, type RouteContext } from '../http';
import type { SimEntry, SimJob } from '../simulator-state';
import type { SimulatedErp } from './simulated-erp';
import { asArray, asRecord, lineProblems, toLine, toRevision } from './validation';

/**
 * CMiC-shaped Job Cost API: jobs, phases (cost codes), sub jobs, and budget batches that wait
 * unposted until the accountant posts the batch. `extRef` is the caller's reference; a repeated
 * `extRef` answers the batch already created.
 */
const system = 'cmic' as const;

const company = (ctx: RouteContext): string => ctx.query.get('compCode') ?? '';
const jobOf = (ctx: RouteContext): SimJob | undefined => ctx.state.findJob(system, ctx.params.job, company(ctx));
const notFound = (what: string) => reply(404, { errorCode: 'NOT_FOUND', messages: [`${what} not found`] });

const batchView = (job: SimJob, e: SimEntry) => ({
  batchNo: e.reference,
  extRef: e.idempotencyKey,
  jobCode: job.jobNumber,
  batchType: e.kind === 'original' ? 'ORIGINAL' : 'REVISION',
  description: e.description,
  status: e.posted ? 'POSTED' : 'UNPOSTED',
  postedDate: e.postedAt,
  total: e.total,
  revision: e.revision && {
    revType: e.revision.type,
    revDate: e.revision.date,
    revNumber: e.revision.number,
    revStatus: e.revision.status,
    approvedBy: e.revision.approvedBy,
  },
  lines: e.lines.map((l) => ({ phsCode: l.costCode, catCode: l.costType, subJobCode: l.subJob, description: l.description, amount: l.amount })),
});

export const cmicRoutes: Route[] = [
  {
    // The job list, paged as CMiC's REST resources are: offset, limit (at most 500), hasMore.
    method: 'GET',
    path: '/cmic/jc/jobs',
    system,
    handle: (ctx) => {
      const offset = Number(ctx.query.get('offset') ?? '0');
      const limit = Number(ctx.query.get('limit') ?? '25');
      const problems: string[] = [];
      if (!Number.isInteger(offset) || offset < 0) problems.push('offset must be a non-negative integer');
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) problems.push('limit must be an integer from 1 to 500');
      if (problems.length > 0) return reply(400, { errorCode: 'VALIDATION', messages: problems });
      const jobs = ctx.state.listJobs(system, company(ctx), ctx.query.get('search') ?? '');
      const page = jobs.slice(offset, offset + limit);
      return reply(200, { items: page.map((j) => ({ jobCode: j.jobNumber, jobName: j.name })), offset, limit, count: page.length, hasMore: offset + limit < jobs.length });
    },
  },
  {
    method: 'GET',
    path: '/cmic/jc/jobs/:job',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return notFound(`Job ${ctx.params.job}`);
      return reply(200, { jobCode: job.jobNumber, jobName: job.name, compCode: job.companyId, subJobs: job.subJobs.map((s) => ({ subJobCode: s })) });
    },
  },
  {
    method: 'GET',
    path: '/cmic/jc/jobs/:job/cost-codes',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return notFound(`Job ${ctx.params.job}`);
      return reply(200, { items: job.costCodes.map((c) => ({ phsCode: c.code, phsName: c.description })) });
    },
  },
  {
    method: 'GET',
    path: '/cmic/jc/jobs/:job/budget',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return notFound(`Job ${ctx.params.job}`);
      return reply(200, {
        items: job.budget.map((l) => ({ phsCode: l.costCode, catCode: l.costType, subJobCode: l.subJob, description: l.description, amount: l.amount })),
      });
    },
  },
  {
    method: 'POST',
    path: '/cmic/jc/jobs/:job/budget-batches',
    system,
    write: true,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return notFound(`Job ${ctx.params.job}`);
      const body = asRecord(ctx.body);
      const extRef = typeof body.extRef === 'string' ? body.extRef : '';
      const lines = asArray(body.lines).map((raw) => {
        const l = asRecord(raw);
        return toLine({ costCode: l.phsCode, costType: l.catCode, subJob: l.subJobCode, description: l.description, amount: l.amount });
      });
      const kind = body.batchType === 'REVISION' ? 'revision' : 'original';
      const problems = lineProblems(job, lines, { subJobsSupported: true, allowNegative: kind === 'revision' });
      if (!extRef) problems.push('extRef is required');
      if (ctx.rejectInjected) problems.push(`Job ${job.jobNumber} is closed for budget changes`);
      if (problems.length > 0) return reply(400, { errorCode: 'VALIDATION', messages: problems });
      const rev = asRecord(body.revision);
      const revision =
        kind === 'revision'
          ? toRevision({ type: rev.revType, date: rev.revDate, number: rev.revNumber, status: rev.revStatus, approvedBy: rev.approvedBy })
          : null;
      const description = typeof body.description === 'string' ? body.description : null;
      const { entry, created } = ctx.state.addEntry(job, { idempotencyKey: extRef, kind, description, lines, revision }, 'CMB');
      return reply(created ? 201 : 200, batchView(job, entry));
    },
  },
  {
    method: 'GET',
    path: '/cmic/jc/budget-batches',
    system,
    handle: (ctx) => {
      const extRef = ctx.query.get('extRef') ?? '';
      const found = ctx.state.findEntry(system, company(ctx), { idempotencyKey: extRef });
      return reply(200, { items: found ? [batchView(found.job, found.entry)] : [] });
    },
  },
  {
    method: 'GET',
    path: '/cmic/jc/budget-batches/:batchNo',
    system,
    handle: (ctx) => {
      const found = ctx.state.findEntry(system, company(ctx), { reference: ctx.params.batchNo });
      if (!found) return notFound(`Budget batch ${ctx.params.batchNo}`);
      return reply(200, batchView(found.job, found.entry));
    },
  },
];

export const cmicErp: SimulatedErp = { system, routes: cmicRoutes, unauthorized: { errorCode: 'UNAUTHORIZED', messages: ['Invalid user name or password'] } };
