import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { CurrentPrincipal, type Principal, Requires } from '@budget-erp/auth';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, ApiZodQuery, ApplicationError, ZodBody, ZodQuery } from '@budget-erp/service-kit';
import type { ListFilter } from '../domain/budget-review';
import { DecideOnBudget } from '../application/decide-on-budget/decide-on-budget.handler';
import { ReviewUseCaseError } from '../application/ports';
import { ReviewQueries } from '../application/review-queries/review-queries';
import {
  type AcceptBody,
  AcceptBodySchema,
  type LinesQuery,
  LinesQuerySchema,
  type ListQuery,
  ListQuerySchema,
  type RejectBody,
  RejectBodySchema,
} from './review.http-schemas';

const person = (p: Principal) => ({ userId: p.userId, name: p.name, email: p.email });

async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof ReviewUseCaseError)) throw error;
    switch (error.kind) {
      case 'not_found':
        throw ApplicationError.notFound(error.code, error.message);
      case 'conflict':
        throw ApplicationError.conflict(error.code, error.message);
      case 'bad_request':
        throw ApplicationError.badRequest(error.code, error.message);
    }
  }
}

/**
 * The ERP Integrations tool. Lists are newest first and paged by cursor: pass `limit` (1–100,
 * default 50) and, for the next page, the previous answer's `nextCursor` as `cursor`.
 */
@ApiTags('ERP Integrations')
@Controller('erp-integrations/budgets')
export class ReviewHttpController {
  constructor(
    @Inject(ReviewQueries) private readonly queries: ReviewQueries,
    @Inject(DecideOnBudget) private readonly decisions: DecideOnBudget,
  ) {}

  @Get()
  @Requires('erp.read')
  @ApiOperation({ summary: 'One ERP Integrations list, newest first: { items, nextCursor }' })
  @ApiZodQuery(ListQuerySchema)
  list(@CurrentPrincipal() principal: Principal, @Query(new ZodQuery(ListQuerySchema)) query: ListQuery) {
    return mapped(
      this.queries.list({
        companyId: principal.companyId,
        filter: query.filter as ListFilter,
        limit: query.limit,
        cursor: query.cursor,
      }),
    );
  }

  @Get(':budgetId')
  @Requires('erp.read')
  @ApiOperation({
    summary:
      'Review of one budget: the latest send, its totals and line count, whether its lines are ready, the decision, failure, ' +
      'exports that landed after the platform gave up on them, re-import figures (the lines are paged apart: GET …/lines)',
  })
  @ApiResponse({ status: 404, description: 'No such budget in the caller\'s company' })
  review(@CurrentPrincipal() principal: Principal, @Param('budgetId') budgetId: string) {
    return mapped(this.queries.review(principal.companyId, budgetId));
  }

  @Get(':budgetId/lines')
  @Requires('erp.read')
  @ApiOperation({
    summary:
      "A page of the latest send's lines, in the budget's order, each with original, changes, revised and its difference from " +
      'what was last synced; then the lines the ERP holds that the send removes: { exportId, lineCount, items, nextCursor }',
  })
  @ApiZodQuery(LinesQuerySchema)
  @ApiResponse({ status: 404, description: 'No such budget in the caller\'s company' })
  @ApiResponse({ status: 409, description: 'The lines of the latest send are still arriving (APPROVAL.LINES_NOT_READY)' })
  lines(
    @CurrentPrincipal() principal: Principal,
    @Param('budgetId') budgetId: string,
    @Query(new ZodQuery(LinesQuerySchema)) query: LinesQuery,
  ) {
    return mapped(this.queries.lines({ companyId: principal.companyId, budgetId, limit: query.limit, cursor: query.cursor }));
  }

  @Post(':budgetId/accept')
  @HttpCode(202)
  @Requires('erp.approve')
  @ApiOperation({ summary: 'Accept the budget awaiting acceptance; publishes budget.accepted and the export starts' })
  @ApiZodBody(AcceptBodySchema)
  @ApiResponse({ status: 409, description: 'Retrieved, already accepted or rejected (the message says by whom and when), or not awaiting acceptance' })
  accept(
    @CurrentPrincipal() principal: Principal,
    @Param('budgetId') budgetId: string,
    @Body(new ZodBody(AcceptBodySchema)) body: AcceptBody,
  ) {
    return mapped(
      this.decisions.accept({
        budgetId,
        companyId: principal.companyId,
        by: person(principal),
        description: body.description ?? null,
        revision: body.revision,
      }),
    );
  }

  @Post(':budgetId/reject')
  @HttpCode(200)
  @Requires('erp.approve')
  @ApiOperation({ summary: 'Reject a budget awaiting acceptance or failed to export; publishes budget.rejected' })
  @ApiZodBody(RejectBodySchema)
  @ApiResponse({ status: 409, description: 'Retrieved, already decided, or in a state that cannot be rejected' })
  reject(
    @CurrentPrincipal() principal: Principal,
    @Param('budgetId') budgetId: string,
    @Body(new ZodBody(RejectBodySchema)) body: RejectBody,
  ) {
    return mapped(
      this.decisions.reject({ budgetId, companyId: principal.companyId, by: person(principal), reason: body.reason }),
    );
  }
}
