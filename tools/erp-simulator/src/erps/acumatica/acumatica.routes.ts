import { amountProblem, normalizeAmount } from '@budget-erp/money';
import { reply, type Route, type RouteContext, type RouteReply } from '../../http';
import type { SimEntry, SimJob, SimLine } from '../../simulator-state';
import type { SimulatedErp } from '../simulated-erp';
import { asArray, asRecord, lineProblems } from '../validation';

/**
 * Acumatica Cloud ERP's contract-based REST API (the Default endpoint, 23.200.001), one instance
 * per customer: `/acumatica/:tenant` stands for a customer's own site (`https://<site>.acumatica.com`).
 *
 * What the real API does and this simulator enforces:
 * - every field is wrapped: `{"ProjectID": {"value": "P-1"}}`; a bare value is refused (400);
 * - top-level entities are read with `GET /entity/Default/<version>/<Entity>` and OData-style
 *   `$filter` (`eq`, `substringof`, joined by `and` / `or`), `$top`, `$skip`; one by key with
 *   `GET .../<Entity>/<key>` (404 when none);
 * - `PUT .../ChangeOrder` creates a change order (no key given); validation errors answer 422 with the
 *   entity and an `error` on each field at fault; `ExternalRefNbr` is only a label: a repeated PUT
 *   creates another change order, so a client must look its reference up before retrying;
 * - cost budget lines need a project task (`ProjectTaskID`) of the project and a cost code
 *   (cost codes are company-wide, not per project); a project created without sub jobs has the
 *   one task its template gives it (`MAIN`, the default task);
 * - a change order waits `Open` until the accountant releases it (`Closed`); releasing it adds its
 *   cost budget lines to the project budget (`ProjectBudget`, `RevisedBudgetedAmount`).
 *
 * Simplified: no sign-in (`Authorization: Bearer` is taken as an OAuth 2.0 access token and only
 * checked when the test restricts credentials), no account group check (the real API requires an
 * account group on a cost budget line; here it is optional), no change order class or approval maps.
 */
const system = 'acumatica' as const;
export const ACUMATICA_ENDPOINT_VERSION = '23.200.001';
const base = '/acumatica/:tenant/entity/Default/:version';

const v = (value: unknown) => ({ value });
const str = (field: unknown): string | null => {
  const value = asRecord(field).value;
  return typeof value === 'string' && value.length > 0 ? value : null;
};
const error = (status: number, message: string, exceptionMessage?: string) => reply(status, { message, ...(exceptionMessage ? { exceptionMessage } : {}) });
const notFound = () => error(404, 'No entity satisfies the condition.');

/** Refuses an unknown endpoint version, as the site would (the endpoint is not there). */
const versioned = (handle: (ctx: RouteContext) => RouteReply) => (ctx: RouteContext) =>
  ctx.params.version === ACUMATICA_ENDPOINT_VERSION ? handle(ctx) : error(404, `Endpoint Default/${ctx.params.version} was not found`);

type Condition = { field: string; op: 'eq' | 'substringof'; text: string };

/** The OData `$filter` subset: `Field eq 'x'`, `substringof('x',Field)`, all joined by `and` or all by `or`. */
function parseFilter(filter: string | null): { join: 'and' | 'or'; conditions: Condition[] } | string {
  if (!filter) return { join: 'and', conditions: [] };
  const quoted = "'((?:[^']|'')*)'";
  const clause = new RegExp(`^(?:(\\w+) eq ${quoted}|substringof\\(${quoted},\\s*(\\w+)\\))$`);
  const hasAnd = / and /.test(filter);
  const hasOr = / or /.test(filter);
  if (hasAnd && hasOr) return `Invalid $filter: mixing and/or is not supported here: ${filter}`;
  const conditions: Condition[] = [];
  for (const part of filter.split(hasOr ? ' or ' : ' and ')) {
    const match = clause.exec(part.trim());
    if (!match) return `Invalid $filter: ${filter}`;
    conditions.push(
      match[1] !== undefined ? { field: match[1], op: 'eq', text: match[2].replace(/''/g, "'") } : { field: match[4], op: 'substringof', text: match[3].replace(/''/g, "'") },
    );
  }
  return { join: hasOr ? 'or' : 'and', conditions };
}

/** Applies `$filter`, `$skip` and `$top` to entities whose fields are `{value}` wrapped. */
function query(ctx: RouteContext, entities: Record<string, unknown>[]): RouteReply {
  const filter = parseFilter(ctx.query.get('$filter'));
  if (typeof filter === 'string') return error(400, 'An error has occurred.', filter);
  const skip = Number(ctx.query.get('$skip') ?? '0');
  const top = ctx.query.has('$top') ? Number(ctx.query.get('$top')) : Infinity;
  if (!Number.isInteger(skip) || skip < 0 || !(top === Infinity || (Number.isInteger(top) && top >= 0))) {
    return error(400, 'An error has occurred.', '$top and $skip must be non-negative integers');
  }
  const test = (entity: Record<string, unknown>, c: Condition) => {
    const value = asRecord(entity[c.field]).value;
    const text = value === undefined || value === null ? '' : String(value);
    return c.op === 'eq' ? text === c.text : text.toLowerCase().includes(c.text.toLowerCase());
  };
  const matching = entities.filter((e) =>
    filter.conditions.length === 0 ? true : filter.join === 'and' ? filter.conditions.every((c) => test(e, c)) : filter.conditions.some((c) => test(e, c)),
  );
  return reply(200, matching.slice(skip, top === Infinity ? undefined : skip + top));
}

const projectsOf = (ctx: RouteContext) => ctx.state.listJobs(system, ctx.params.tenant, '');
/** A project's tasks: its sub jobs, else the one task a project template gives every new project. */
export const ACUMATICA_DEFAULT_TASK = 'MAIN';
const tasksOf = (job: SimJob): string[] => (job.subJobs.length > 0 ? job.subJobs : [ACUMATICA_DEFAULT_TASK]);
const projectView = (job: SimJob) => ({ id: `project-${job.jobNumber}`, ProjectID: v(job.jobNumber), Description: v(job.name), Status: v('Active') });
const companyCostCodes = (ctx: RouteContext) => {
  const codes = new Map<string, string>();
  for (const job of projectsOf(ctx)) for (const c of job.costCodes) if (!codes.has(c.code)) codes.set(c.code, c.description);
  return [...codes].map(([code, description]) => ({ code, description }));
};

const changeOrderView = (job: SimJob, e: SimEntry) => ({
  id: `change-order-${e.reference}`,
  RefNbr: v(e.reference),
  ProjectID: v(job.jobNumber),
  ExternalRefNbr: v(e.idempotencyKey),
  Description: v(e.description),
  Status: v(e.posted ? 'Closed' : 'Open'),
  CostBudgetChangeTotal: v(Number(e.total)),
  CostBudget: e.lines.map((l) => ({
    ProjectTaskID: v(l.subJob),
    CostCode: v(l.costCode),
    AccountGroup: v(l.costType),
    Description: v(l.description),
    Amount: v(Number(l.amount)),
  })),
});

/** Every wrapped field of a body must be `{value}`; the names of those that are not. */
function bareFields(entity: Record<string, unknown>, fields: string[]): string[] {
  return fields.filter((f) => entity[f] !== undefined && (typeof entity[f] !== 'object' || entity[f] === null || !('value' in (entity[f] as object))));
}

export const acumaticaRoutes: Route[] = [
  {
    method: 'GET',
    path: `${base}/Project`,
    system,
    handle: versioned((ctx) => query(ctx, projectsOf(ctx).map(projectView))),
  },
  {
    method: 'GET',
    path: `${base}/Project/:projectId`,
    system,
    handle: versioned((ctx) => {
      const job = ctx.state.findJob(system, ctx.params.projectId, ctx.params.tenant);
      return job ? reply(200, projectView(job)) : notFound();
    }),
  },
  {
    method: 'GET',
    path: `${base}/ProjectTask`,
    system,
    handle: versioned((ctx) =>
      query(
        ctx,
        projectsOf(ctx).flatMap((job) =>
          tasksOf(job).map((task, i) => ({ id: `task-${job.jobNumber}-${task}`, ProjectID: v(job.jobNumber), ProjectTaskID: v(task), Description: v(task), Default: v(i === 0), Status: v('Active') })),
        ),
      ),
    ),
  },
  {
    method: 'GET',
    path: `${base}/CostCode`,
    system,
    handle: versioned((ctx) => query(ctx, companyCostCodes(ctx).map((c) => ({ id: `cost-code-${c.code}`, CostCodeID: v(c.code), Description: v(c.description) })))),
  },
  {
    method: 'GET',
    path: `${base}/ProjectBudget`,
    system,
    handle: versioned((ctx) =>
      query(
        ctx,
        projectsOf(ctx).flatMap((job) =>
          job.budget.map((l, i) => ({
            id: `budget-${job.jobNumber}-${i}`,
            ProjectID: v(job.jobNumber),
            ProjectTaskID: v(l.subJob),
            CostCode: v(l.costCode),
            AccountGroup: v(l.costType),
            Description: v(l.description),
            Type: v('Expense'),
            RevisedBudgetedAmount: v(Number(l.amount)),
          })),
        ),
      ),
    ),
  },
  {
    method: 'PUT',
    path: `${base}/ChangeOrder`,
    system,
    write: true,
    handle: versioned((ctx) => {
      const body = asRecord(ctx.body);
      const lines = asArray(body.CostBudget).map(asRecord);
      const bare = [...bareFields(body, ['ProjectID', 'ExternalRefNbr', 'Description', 'Hold']), ...lines.flatMap((l) => bareFields(l, ['ProjectTaskID', 'CostCode', 'AccountGroup', 'Description', 'Amount']))];
      if (bare.length > 0) return error(400, 'An error has occurred.', `Fields must be objects with a value: ${[...new Set(bare)].join(', ')}`);
      const projectId = str(body.ProjectID) ?? '';
      const job = ctx.state.findJob(system, projectId, ctx.params.tenant);
      if (!job) return reply(422, { ...body, ProjectID: { value: projectId, error: `'Project' cannot be found in the system.` } });
      const simLines: SimLine[] = lines.map((l) => {
        const raw = asRecord(l.Amount).value;
        const amount = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
        return {
          costCode: str(l.CostCode) ?? '',
          costType: str(l.AccountGroup),
          subJob: str(l.ProjectTaskID),
          description: str(l.Description),
          amount: amountProblem(amount) === null ? normalizeAmount(amount) : amount,
        };
      });
      const description = str(body.Description);
      const kind = description?.startsWith('Revision') ? 'revision' : 'original';
      const problems = lineProblems({ ...job, subJobs: tasksOf(job), costCodes: companyCostCodes(ctx) }, simLines, { subJobsSupported: true, allowNegative: true });
      simLines.forEach((l, i) => {
        if (l.subJob === null) problems.push(`line ${i + 1}: 'Project Task' cannot be empty.`);
      });
      if (ctx.rejectInjected) problems.push(`The project ${job.jobNumber} is closed: budget changes are not allowed.`);
      if (problems.length > 0) return reply(422, { ...body, error: problems.join('; ') });
      const { entry } = ctx.state.addEntry(job, { idempotencyKey: str(body.ExternalRefNbr) ?? '', kind, description, lines: simLines, revision: null }, '', { dedupe: false });
      return reply(200, changeOrderView(job, entry));
    }),
  },
  {
    method: 'GET',
    path: `${base}/ChangeOrder`,
    system,
    handle: versioned((ctx) => query(ctx, projectsOf(ctx).flatMap((job) => job.entries.map((e) => changeOrderView(job, e))))),
  },
  {
    method: 'GET',
    path: `${base}/ChangeOrder/:refNbr`,
    system,
    handle: versioned((ctx) => {
      const found = ctx.state.findEntry(system, ctx.params.tenant, { reference: ctx.params.refNbr });
      return found ? reply(200, changeOrderView(found.job, found.entry)) : notFound();
    }),
  },
];

export const acumaticaErp: SimulatedErp = {
  system,
  routes: acumaticaRoutes,
  unauthorized: { message: 'You are not logged in.', exceptionMessage: 'The access token is invalid or has expired.' },
};
