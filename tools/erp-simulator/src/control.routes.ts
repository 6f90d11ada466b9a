import { reply, type Route, type RouteContext } from './http';
import { FAULT_MODES, SIM_SYSTEMS, type FaultMode, type SimJob, type SimSystem } from './simulator-state';
import { asArray, asRecord, toLine } from './erps/validation';

/** Routes a test uses to play the accountant and the faults (contracts.md, "ERP simulator"). */
const isSystem = (v: unknown): v is SimSystem => typeof v === 'string' && (SIM_SYSTEMS as readonly string[]).includes(v);
const badSystem = (v: unknown) => reply(400, { error: `system must be one of ${SIM_SYSTEMS.join(', ')}`, got: v ?? null });

function jobFor(ctx: RouteContext): { job?: SimJob; error?: ReturnType<typeof reply> } {
  if (!isSystem(ctx.params.system)) return { error: badSystem(ctx.params.system) };
  const companyId = ctx.query.get('companyId') ?? (asRecord(ctx.body).companyId as string | undefined);
  const job = ctx.state.findJob(ctx.params.system, ctx.params.jobNumber, companyId);
  if (!job) return { error: reply(404, { error: `no ${ctx.params.system} job ${ctx.params.jobNumber}` }) };
  return { job };
}

export const jobView = (job: SimJob) => ({
  system: job.system,
  companyId: job.companyId,
  jobNumber: job.jobNumber,
  name: job.name,
  costCodes: job.costCodes,
  subJobs: job.subJobs,
  budget: job.budget,
  exports: job.entries,
  revisions: job.entries.filter((e) => e.revision !== null).map((e) => ({ reference: e.reference, ...e.revision })),
  unposted: job.entries.filter((e) => !e.posted).length,
  posted: job.entries.length > 0 && job.entries.every((e) => e.posted),
});

export const controlRoutes: Route[] = [
  {
    method: 'POST',
    path: '/_sim/jobs',
    handle: (ctx) => {
      const body = asRecord(ctx.body);
      const problems: string[] = [];
      if (!isSystem(body.system)) problems.push(`system must be one of ${SIM_SYSTEMS.join(', ')}`);
      if (typeof body.companyId !== 'string' || !body.companyId) problems.push('companyId is required');
      if (typeof body.jobNumber !== 'string' || !body.jobNumber) problems.push('jobNumber is required');
      const costCodes = asArray(body.costCodes).map((raw) =>
        typeof raw === 'string' ? { code: raw, description: raw } : { code: String(asRecord(raw).code ?? ''), description: String(asRecord(raw).description ?? '') },
      );
      if (costCodes.some((c) => !c.code)) problems.push('every cost code needs a code');
      const subJobs = asArray(body.subJobs).map(String);
      if (body.system === 'quickbooks' && subJobs.length > 0) problems.push('QuickBooks Online has no sub jobs');
      if (problems.length > 0) return reply(400, { error: 'invalid job', problems });
      const system = body.system as SimSystem;
      const job = ctx.state.createJob({
        system,
        companyId: body.companyId as string,
        jobNumber: body.jobNumber as string,
        name: typeof body.name === 'string' ? body.name : undefined,
        costCodes,
        subJobs,
      });
      if (typeof body.estimatesEnabled === 'boolean') ctx.state.company(system, job.companyId).estimatesEnabled = body.estimatesEnabled;
      return reply(201, jobView(job));
    },
  },
  {
    method: 'PUT',
    path: '/_sim/:system/companies/:companyId/preferences',
    handle: (ctx) => {
      if (!isSystem(ctx.params.system)) return badSystem(ctx.params.system);
      const body = asRecord(ctx.body);
      const company = ctx.state.company(ctx.params.system, ctx.params.companyId);
      if (typeof body.estimatesEnabled === 'boolean') company.estimatesEnabled = body.estimatesEnabled;
      return reply(200, company);
    },
  },
  {
    method: 'GET',
    path: '/_sim/:system/jobs/:jobNumber',
    handle: (ctx) => {
      const { job, error } = jobFor(ctx);
      return error ?? reply(200, jobView(job!));
    },
  },
  {
    method: 'POST',
    path: '/_sim/:system/jobs/:jobNumber/post-entries',
    handle: (ctx) => {
      const { job, error } = jobFor(ctx);
      if (error) return error;
      const posted = ctx.state.postEntries(job!);
      return reply(200, { posted: posted.map((e) => e.reference), job: jobView(job!) });
    },
  },
  {
    method: 'PUT',
    path: '/_sim/:system/jobs/:jobNumber/budget',
    handle: (ctx) => {
      const { job, error } = jobFor(ctx);
      if (error) return error;
      const lines = asArray(asRecord(ctx.body).lines).map((raw) => toLine(asRecord(raw) as Parameters<typeof toLine>[0]));
      ctx.state.setBudget(job!, lines);
      return reply(200, jobView(job!));
    },
  },
  {
    method: 'PUT',
    path: '/_sim/:system/faults',
    handle: (ctx) => {
      if (!isSystem(ctx.params.system)) return badSystem(ctx.params.system);
      const body = asRecord(ctx.body);
      if (!(FAULT_MODES as readonly unknown[]).includes(body.mode)) return reply(400, { error: `mode must be one of ${FAULT_MODES.join(', ')}` });
      if (body.count !== undefined && (!Number.isInteger(body.count) || (body.count as number) < 1)) {
        return reply(400, { error: 'count must be a positive integer' });
      }
      if (body.retryAfterSeconds !== undefined && (!Number.isInteger(body.retryAfterSeconds) || (body.retryAfterSeconds as number) < 0)) {
        return reply(400, { error: 'retryAfterSeconds must be a non-negative integer' });
      }
      if (body.writesOnly !== undefined && typeof body.writesOnly !== 'boolean') return reply(400, { error: 'writesOnly must be a boolean' });
      return reply(
        200,
        ctx.state.setFault(ctx.params.system, body.mode as FaultMode, body.count as number | undefined, body.retryAfterSeconds as number | undefined, body.writesOnly as boolean | undefined),
      );
    },
  },
  {
    // Only these Authorization headers are accepted from now on (null: any, the default).
    method: 'PUT',
    path: '/_sim/:system/credentials',
    handle: (ctx) => {
      if (!isSystem(ctx.params.system)) return badSystem(ctx.params.system);
      const accepted = asRecord(ctx.body).accepted;
      if (accepted !== null && !(Array.isArray(accepted) && accepted.every((a) => typeof a === 'string'))) {
        return reply(400, { error: 'accepted must be a list of Authorization header values, or null' });
      }
      ctx.state.setAcceptedCredentials(ctx.params.system, accepted);
      return reply(200, { system: ctx.params.system, accepted });
    },
  },
  {
    method: 'GET',
    path: '/_sim/:system/faults',
    handle: (ctx) => (isSystem(ctx.params.system) ? reply(200, ctx.state.fault(ctx.params.system)) : badSystem(ctx.params.system)),
  },
  {
    // The ERP restored from an old backup: its exports are gone and its entry numbers start over.
    method: 'POST',
    path: '/_sim/:system/lose-state',
    handle: (ctx) => (isSystem(ctx.params.system) ? reply(200, { system: ctx.params.system, entriesLost: ctx.state.loseState(ctx.params.system) }) : badSystem(ctx.params.system)),
  },
  {
    method: 'POST',
    path: '/_sim/reset',
    handle: (ctx) => {
      ctx.state.reset();
      return reply(200, { reset: true });
    },
  },
  { method: 'GET', path: '/_sim/health', handle: () => reply(200, { status: 'ok' }) },
];
