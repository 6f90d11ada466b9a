import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, type Principal, Requires } from '@budget-erp/auth';
import { ApiZodBody, ApplicationError, ZodBody } from '@budget-erp/service-kit';
import { CLOCK, type Clock, ReviewUseCaseError } from '../../review/application/ports';
import { BudgetDriftHandlers } from '../application/budget-drift.handlers';

const AcknowledgeBodySchema = z
  .object({
    driftId: z.string().min(1).max(200).describe('The drift acknowledged, as the review showed it'),
    note: z.string().trim().min(1, 'an acknowledgement needs a note').max(1000).describe('Why the difference is accepted'),
  })
  .strict();

async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof ReviewUseCaseError)) throw error;
    if (error.kind === 'not_found') throw ApplicationError.notFound(error.code, error.message);
    if (error.kind === 'conflict') throw ApplicationError.conflict(error.code, error.message);
    throw ApplicationError.badRequest(error.code, error.message);
  }
}

/** Drift in the ERP Integrations tool: a synced budget that differs from its ERP job (listed under `filter=out_of_sync`). */
@ApiTags('ERP Integrations')
@Controller('erp-integrations/budgets')
export class BudgetDriftHttpController {
  constructor(
    @Inject(BudgetDriftHandlers) private readonly drifts: BudgetDriftHandlers,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':budgetId/drift')
  @Requires('erp.read')
  @ApiOperation({ summary: "The budget's open drift (else its latest): each differing line's platform and ERP amounts, and the fix offered by origin" })
  @ApiResponse({ status: 404, description: 'The budget never differed from its ERP job, or is another company\'s (APPROVAL.NO_DRIFT)' })
  drift(@CurrentPrincipal() principal: Principal, @Param('budgetId') budgetId: string) {
    return mapped(this.drifts.drift(principal.companyId, budgetId));
  }

  @Post(':budgetId/drift/acknowledge')
  @HttpCode(200)
  @Requires('erp.manage')
  @ApiOperation({ summary: 'Acknowledge the open drift with a note instead of fixing it; it leaves the out-of-sync list' })
  @ApiZodBody(AcknowledgeBodySchema)
  @ApiResponse({ status: 409, description: 'Resolved meanwhile, another drift is open now, or already acknowledged' })
  acknowledge(@CurrentPrincipal() principal: Principal, @Param('budgetId') budgetId: string, @Body(new ZodBody(AcknowledgeBodySchema)) body: z.infer<typeof AcknowledgeBodySchema>) {
    return mapped(
      this.drifts.acknowledge({
        companyId: principal.companyId,
        budgetId,
        driftId: body.driftId,
        note: body.note,
        by: { userId: principal.userId, name: principal.name, email: principal.email },
        now: this.clock.now(),
      }),
    );
  }
}
