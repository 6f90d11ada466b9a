import { reply, type Route, type RouteContext } from '../http';
import type { SimEntry, SimJob } from '../simulator-state';
import type { SimulatedErp } from './simulated-erp';
import { asArray, asRecord, lineProblems, toLine, toRevision } from './validation';

/**
 * Sage 300 CRE-shaped Job Cost API: jobs with sub jobs and cost codes, and job cost entries that
 * stay "Unposted" until the accountant runs Job Cost → Post Entries. `Reference` is the caller's
 * reference; entries can be looked up by it.
 */
const system = 'sage300cre' as const;

const jobOf = (ctx: RouteContext): SimJob | undefined => ctx.state.findJob(system, ctx.params.job, ctx.params.company);
const notFound = (what: string) => reply(404, { Errors: [{ Code: 'NotFound', Message: `${what} was not found` }] });

const entryView = (job: SimJob, e: SimEntry) => ({
  EntryId: e.reference,
  Reference: e.idempotencyKey,
  Job: job.jobNumber,
  EntryType: e.kind === 'original' ? 'OriginalEstimate' : 'ApprovedEstimateChange',
  Description: e.description,
  Status: e.posted ? 'Posted' : 'Unposted',
  PostedDate: e.postedAt,
  Total: e.total,
  ChangeDetails: e.revision && {
    ChangeType: e.revision.type,
    ChangeDate: e.revision.date,
    ChangeNumber: e.revision.number,
    ChangeStatus: e.revision.status,
    ApprovedBy: e.revision.approvedBy,
  },
  Lines: e.lines.map((l) => ({ CostCode: l.costCode, Category: l.costType, SubJob: l.subJob, Description: l.description, Amount: l.amount })),
});

export const sage300creRoutes: Route[] = [
  {
    method: 'GET',
    path: '/sage300cre/companies/:company/jobs',
    system,
    handle: (ctx) => {
      const skip = Number(ctx.query.get('skip') ?? '0');
      const top = Number(ctx.query.get('top') ?? '100');
      const errors: string[] = [];
      if (!Number.isInteger(skip) || skip < 0) errors.push('skip must be a non-negative integer');
      if (!Number.isInteger(top) || top < 1 || top > 1000) errors.push('top must be an integer from 1 to 1000');
      if (errors.length > 0) return reply(400, { Errors: errors.map((Message) => ({ Code: 'InvalidParameter', Message })) });
      const jobs = ctx.state.listJobs(system, ctx.params.company, ctx.query.get('search') ?? '');
      return reply(200, { Jobs: jobs.slice(skip, skip + top).map((j) => ({ Job: j.jobNumber, Description: j.name })), HasMore: skip + top < jobs.length });
    },
  },
  {
    method: 'GET',
    path: '/sage300cre/companies/:company/jobs/:job',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return notFound(`Job ${ctx.params.job}`);
      return reply(200, { Job: job.jobNumber, Description: job.name, SubJobs: job.subJobs.map((s) => ({ SubJob: s })) });
    },
  },
  {
    method: 'GET',
    path: '/sage300cre/companies/:company/jobs/:job/cost-codes',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return notFound(`Job ${ctx.params.job}`);
      return reply(200, { CostCodes: job.costCodes.map((c) => ({ Code: c.code, Description: c.description })) });
    },
  },
  {
    method: 'GET',
    path: '/sage300cre/companies/:company/jobs/:job/estimates',
    system,
    handle: (ctx) => {
      const job = jobOf(ctx);
      if (!job) return notFound(`Job ${ctx.params.job}`);
      return reply(200, {
        Lines: job.budget.map((l) => ({ CostCode: l.costCode, Category: l.costType, SubJob: l.subJob, Description: l.description, Amount: l.amount })),
      });
    },
  },
  {
    method: 'POST',
    path: '/sage300cre/companies/:company/jc/entries',
    system,
    write: true,
    handle: (ctx) => {
      const body = asRecord(ctx.body);
      const job = ctx.state.findJob(system, String(body.Job ?? ''), ctx.params.company);
      if (!job) return notFound(`Job ${String(body.Job ?? '')}`);
      const reference = typeof body.Reference === 'string' ? body.Reference : '';
      const kind = body.EntryType === 'ApprovedEstimateChange' ? 'revision' : 'original';
      const lines = asArray(body.Lines).map((raw) => {
        const l = asRecord(raw);
        return toLine({ costCode: l.CostCode, costType: l.Category, subJob: l.SubJob, description: l.Description, amount: l.Amount });
      });
      const problems = lineProblems(job, lines, { subJobsSupported: true, allowNegative: kind === 'revision' });
      if (!reference) problems.push('Reference is required');
      if (ctx.rejectInjected) problems.push(`Job ${job.jobNumber} is closed: no new job cost entries are allowed`);
      if (problems.length > 0) return reply(400, { Errors: problems.map((Message) => ({ Code: 'ValidationFailed', Message })) });
      const change = asRecord(body.ChangeDetails);
      const revision =
        kind === 'revision'
          ? toRevision({ type: change.ChangeType, date: change.ChangeDate, number: change.ChangeNumber, status: change.ChangeStatus, approvedBy: change.ApprovedBy })
          : null;
      const description = typeof body.Description === 'string' ? body.Description : null;
      const { entry, created } = ctx.state.addEntry(job, { idempotencyKey: reference, kind, description, lines, revision }, 'JCE');
      return reply(created ? 201 : 200, entryView(job, entry));
    },
  },
  {
    method: 'GET',
    path: '/sage300cre/companies/:company/jc/entries',
    system,
    handle: (ctx) => {
      const found = ctx.state.findEntry(system, ctx.params.company, { idempotencyKey: ctx.query.get('reference') ?? '' });
      return reply(200, { Entries: found ? [entryView(found.job, found.entry)] : [] });
    },
  },
  {
    method: 'GET',
    path: '/sage300cre/companies/:company/jc/entries/:entryId',
    system,
    handle: (ctx) => {
      const found = ctx.state.findEntry(system, ctx.params.company, { reference: ctx.params.entryId });
      if (!found) return notFound(`Entry ${ctx.params.entryId}`);
      return reply(200, entryView(found.job, found.entry));
    },
  },
];

export const sage300creErp: SimulatedErp = {
  system,
  routes: sage300creRoutes,
  unauthorized: { Errors: [{ Code: 'Unauthorized', Message: 'The user name or password is incorrect' }] },
};
