import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentPrincipal, type Principal, Requires } from '@budget-erp/auth';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiZodBody, ApiZodQuery, ApplicationError, ZodBody, ZodQuery } from '@budget-erp/service-kit';
import type { ListFilter } from '../domain/budget-review';
import { DecideOnBudget, type DecisionOutcome } from '../application/decide-on-budget/decide-on-budget.handler';
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

/** The review version an `If-Match` header names (`"3"`, `W/"3"` or `3`); undefined without one or for `*`; 400 when it names none. */
export function expectedVersionOf(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) {
    throw ApplicationError.badRequest('VALIDATION_FAILED', 'The request is invalid.', [{ path: 'If-Match', message: 'A review version this API gave in ETag, e.g. "3".' }]);
  }
  return Number(match[1]);
}

/** Answers a decision with the review's new version as its ETag; the body stays the decision. */
async function withETag(response: Response, decision: Promise<DecisionOutcome>): Promise<Omit<DecisionOutcome, 'version'>> {
  const { version, ...outcome } = await decision;
  response.setHeader('ETag', `"${version}"`);
  return outcome;
}

async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof ReviewUseCaseError)) throw error;
    switch (error.kind) {
      case 'not_found':
        throw ApplicationError.notFound(error.code, error.message);
      case 'conflict':
        throw ApplicationError.conflict(error.code, error.message, error.details);
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
@ApiHeader({ name: 'If-Match', required: false, description: 'On accept and reject: the review version (its ETag) the decision is about; another version answers 409 APPROVAL.VERSION_MISMATCH' })
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
  async review(@CurrentPrincipal() principal: Principal, @Param('budgetId') budgetId: string, @Res({ passthrough: true }) response: Response) {
    const review = await mapped(this.queries.review(principal.companyId, budgetId));
    response.setHeader('ETag', `"${review.version}"`);
    return review;
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
  @ApiResponse({
    status: 409,
    description: 'Retrieved, already accepted or rejected (the message says by whom and when), not awaiting acceptance, or changed since the If-Match version (APPROVAL.VERSION_MISMATCH)',
  })
  accept(
    @CurrentPrincipal() principal: Principal,
    @Param('budgetId') budgetId: string,
    @Body(new ZodBody(AcceptBodySchema)) body: AcceptBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const expectedVersion = expectedVersionOf(ifMatch);
    return withETag(
      response,
      mapped(
        this.decisions.accept({
          budgetId,
          companyId: principal.companyId,
          by: person(principal),
          description: body.description ?? null,
          revision: body.revision,
          expectedVersion,
        }),
      ),
    );
  }

  @Post(':budgetId/reject')
  @HttpCode(200)
  @Requires('erp.approve')
  @ApiOperation({ summary: 'Reject a budget awaiting acceptance or failed to export; publishes budget.rejected' })
  @ApiZodBody(RejectBodySchema)
  @ApiResponse({ status: 409, description: 'Retrieved, already decided, in a state that cannot be rejected, or changed since the If-Match version (APPROVAL.VERSION_MISMATCH)' })
  reject(
    @CurrentPrincipal() principal: Principal,
    @Param('budgetId') budgetId: string,
    @Body(new ZodBody(RejectBodySchema)) body: RejectBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const expectedVersion = expectedVersionOf(ifMatch);
    return withETag(response, mapped(this.decisions.reject({ budgetId, companyId: principal.companyId, by: person(principal), reason: body.reason, expectedVersion })));
  }
}
