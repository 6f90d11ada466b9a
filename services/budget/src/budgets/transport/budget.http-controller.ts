import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiQuery, ApiTags } from '@nestjs/swagger';
import { BudgetETagInterceptor, IfMatch } from './budget-version.http';
import { CurrentPrincipal, type Principal, Requires } from '@budget-erp/auth';
import { ApiZodBody, ApplicationError, ZodBody } from '@budget-erp/service-kit';
import { BudgetUseCaseError } from '../application/ports';
import { StaleBudgetError } from '../infrastructure/budget.repository';
import { CreateBudgetHandler } from '../application/create-budget/create-budget.handler';
import { EditLinesHandler } from '../application/edit-lines/edit-lines.handler';
import { ManageModificationsHandler } from '../application/manage-modifications/manage-modifications.handler';
import { LockBudgetHandler } from '../application/lock-budget/lock-budget.handler';
import { SendBudgetToErpHandler } from '../application/send-budget-to-erp/send-budget-to-erp.handler';
import { RetrieveBudgetFromErpHandler } from '../application/retrieve-budget-from-erp/retrieve-budget-from-erp.handler';
import { ReimportBudgetHandler } from '../application/reimport-budget/reimport-budget.handler';
import { BudgetQueries } from '../application/budget-queries/budget-queries';
import { LINES_PAGE } from '../infrastructure/budget-lines.repository';
import {
  type CreateBudgetBody,
  CreateBudgetBodySchema,
  type CreateModificationBody,
  CreateModificationBodySchema,
  EmptyBodySchema,
  type LineBody,
  LineBodySchema,
  type ReimportBody,
  ReimportBodySchema,
  type ImportBody,
  ImportBodySchema,
  type UnlockBody,
  UnlockBodySchema,
  type UpdateLineBody,
  UpdateLineBodySchema,
} from './budget.http-schemas';

/** Budgets per page of a project's list, unless asked for fewer. */
const BUDGETS_PAGE = 100;

/** The `limit` query parameter: an integer from 1 to `max`, `fallback` when absent. */
function pageSize(limit: string | undefined, fallback: number, max: number): number {
  const size = limit === undefined ? fallback : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw ApplicationError.badRequest('VALIDATION_FAILED', 'The request is invalid.', [{ path: 'limit', message: `An integer from 1 to ${max}.` }]);
  }
  return size;
}

const person = (p: Principal) => ({ userId: p.userId, name: p.name, email: p.email });

/** Maps the use cases' expected failures to HTTP; anything else is a bug (500). */
async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof StaleBudgetError) {
      throw ApplicationError.conflict('BUDGET.CHANGED_CONCURRENTLY', 'The budget was changed by someone else at the same time; reload it and try again.');
    }
    if (!(error instanceof BudgetUseCaseError)) throw error;
    switch (error.kind) {
      case 'not_found':
        throw ApplicationError.notFound(error.code, error.message);
      case 'conflict':
        throw ApplicationError.conflict(error.code, error.message, error.details as never);
      case 'bad_request':
        throw ApplicationError.badRequest(error.code, error.message, error.details as never);
    }
  }
}

/** The Budget tool. Every refusal of a state rule is a 409 whose message names the rule. */
@ApiTags('budgets')
@ApiHeader({ name: 'If-Match', required: false, description: 'On a command: the budget version (its ETag) it applies to; another version answers 409 BUDGET.VERSION_MISMATCH' })
@UseInterceptors(BudgetETagInterceptor)
@Controller()
export class BudgetHttpController {
  constructor(
    @Inject(CreateBudgetHandler) private readonly createBudget: CreateBudgetHandler,
    @Inject(EditLinesHandler) private readonly lines: EditLinesHandler,
    @Inject(ManageModificationsHandler) private readonly modifications: ManageModificationsHandler,
    @Inject(LockBudgetHandler) private readonly locking: LockBudgetHandler,
    @Inject(SendBudgetToErpHandler) private readonly sending: SendBudgetToErpHandler,
    @Inject(RetrieveBudgetFromErpHandler) private readonly retrieving: RetrieveBudgetFromErpHandler,
    @Inject(ReimportBudgetHandler) private readonly reimporting: ReimportBudgetHandler,
    @Inject(BudgetQueries) private readonly queries: BudgetQueries,
  ) {}

  @Post('projects/:projectId/budgets')
  @HttpCode(201)
  @Requires('budget.edit')
  @ApiZodBody(CreateBudgetBodySchema)
  create(
    @CurrentPrincipal() principal: Principal,
    @Param('projectId') projectId: string,
    @Body(new ZodBody(CreateBudgetBodySchema)) body: CreateBudgetBody,
  ) {
    return mapped(this.createBudget.execute({ companyId: principal.companyId, projectId, name: body.name, lines: body.lines, by: person(principal) }));
  }

  /** A page of the project's budgets, oldest first, without their lines: `after` is the cursor in the previous page's `next`; `limit` 1–500 (default 100). */
  @Get('projects/:projectId/budgets')
  @Requires('budget.read')
  @ApiQuery({ name: 'after', required: false, description: "The cursor in the previous page's `next`" })
  @ApiQuery({ name: 'limit', required: false, description: 'Budgets per page, 1–500 (default 100)' })
  list(@CurrentPrincipal() principal: Principal, @Param('projectId') projectId: string, @Query('after') after?: string, @Query('limit') limit?: string) {
    return mapped(this.queries.listForProject(principal.companyId, projectId, { after: after ?? null, limit: pageSize(limit, BUDGETS_PAGE, 500) }));
  }

  @Get('budgets/:id')
  @Requires('budget.read')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return mapped(this.queries.get(principal.companyId, id));
  }

  @ApiQuery({ name: 'after', required: false, description: "The cursor in the previous page's `next` or the budget's `nextLines`" })
  @ApiQuery({ name: 'limit', required: false, description: 'Lines per page, 1–5,000 (default 1,000)' })
  /** A page of the budget's lines: `after` is the cursor in the previous page's `next` (or the budget's `nextLines`); `limit` 1–5,000 (default 1,000). */
  @Get('budgets/:id/lines')
  @Requires('budget.read')
  linesPage(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query('after') after?: string, @Query('limit') limit?: string) {
    return mapped(this.queries.lines(principal.companyId, id, { after: after ?? null, limit: pageSize(limit, LINES_PAGE, 5000) }));
  }

  @Post('budgets/:id/lines')
  @HttpCode(201)
  @Requires('budget.edit')
  @ApiZodBody(LineBodySchema)
  addLine(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBody(LineBodySchema)) body: LineBody, @IfMatch() version?: number) {
    return mapped(this.lines.add(principal.companyId, id, body, version));
  }

  @Patch('budgets/:id/lines/:lineId')
  @Requires('budget.edit')
  @ApiZodBody(UpdateLineBodySchema)
  updateLine(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('lineId') lineId: string,
    @Body(new ZodBody(UpdateLineBodySchema)) body: UpdateLineBody,
    @IfMatch() version?: number,
  ) {
    const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    return mapped(this.lines.update(principal.companyId, id, lineId, changes, version));
  }

  @Delete('budgets/:id/lines/:lineId')
  @Requires('budget.edit')
  removeLine(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('lineId') lineId: string, @IfMatch() version?: number) {
    return mapped(this.lines.remove(principal.companyId, id, lineId, version));
  }

  @Post('budgets/:id/modifications')
  @HttpCode(201)
  @Requires('budget.edit')
  @ApiZodBody(CreateModificationBodySchema)
  createModification(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body(new ZodBody(CreateModificationBodySchema)) body: CreateModificationBody,
    @IfMatch() version?: number,
  ) {
    return mapped(this.modifications.create(principal.companyId, id, body, person(principal), version));
  }

  @Post('budgets/:id/modifications/:modificationId/approve')
  @HttpCode(200)
  @Requires('budget.edit')
  approveModification(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('modificationId') modificationId: string, @IfMatch() version?: number) {
    return mapped(this.modifications.approve(principal.companyId, id, modificationId, version));
  }

  @Delete('budgets/:id/modifications/:modificationId')
  @Requires('budget.edit')
  deleteModification(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('modificationId') modificationId: string, @IfMatch() version?: number) {
    return mapped(this.modifications.remove(principal.companyId, id, modificationId, version));
  }

  @Post('budgets/:id/lock')
  @HttpCode(200)
  @Requires('budget.lock')
  lock(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBody(EmptyBodySchema)) _body: unknown, @IfMatch() version?: number) {
    return mapped(this.locking.lock(principal.companyId, id, person(principal), version));
  }

  @Post('budgets/:id/unlock')
  @HttpCode(200)
  @Requires('budget.lock')
  @ApiZodBody(UnlockBodySchema)
  unlock(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBody(UnlockBodySchema)) body: UnlockBody, @IfMatch() version?: number) {
    return mapped(this.locking.unlock(principal.companyId, id, person(principal), body.modifications, version));
  }

  @Get('budgets/:id/erp-readiness')
  @Requires('budget.read')
  readiness(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return mapped(this.queries.readiness(principal.companyId, id));
  }

  @Post('budgets/:id/send-to-erp')
  @HttpCode(202)
  @Requires('budget.sendRetrieve')
  send(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBody(EmptyBodySchema)) _body: unknown, @IfMatch() version?: number) {
    return mapped(this.sending.execute(principal.companyId, id, person(principal), version));
  }

  @Post('budgets/:id/retrieve-from-erp')
  @HttpCode(200)
  @Requires('budget.sendRetrieve')
  retrieve(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBody(EmptyBodySchema)) _body: unknown, @IfMatch() version?: number) {
    return mapped(this.retrieving.execute(principal.companyId, id, person(principal), version));
  }

  @Post('budgets/:id/reimport')
  @HttpCode(202)
  @Requires('budget.edit')
  @ApiZodBody(ReimportBodySchema)
  reimport(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBody(ReimportBodySchema)) body: ReimportBody, @IfMatch() version?: number) {
    return mapped(this.reimporting.request(principal.companyId, id, person(principal), body.erpDigest, version));
  }

  /** Initial import of the linked ERP job's budget into this budget (ERP Integrations); the outcome arrives as events. */
  @Post('budgets/:id/import')
  @HttpCode(202)
  @Requires('erp.manage')
  @ApiZodBody(ImportBodySchema)
  importFromErp(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body(new ZodBody(ImportBodySchema)) body: ImportBody, @IfMatch() version?: number) {
    const mode = body.mode === 'overwrite' ? 'initial_overwrite' : 'initial_keep_and_add';
    return mapped(this.reimporting.requestInitial(principal.companyId, id, mode, person(principal), body.erpDigest, version));
  }

  @Get('budgets/:id/timeline')
  @Requires('budget.read')
  timeline(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return mapped(this.queries.timeline(principal.companyId, id));
  }
}
