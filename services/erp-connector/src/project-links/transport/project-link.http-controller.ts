import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { ErpSystemSchema } from '@budget-erp/contracts';
import { ApiZodBody, ApiZodQuery, ApiZodResponse, ApplicationError, ZodBody, ZodQuery } from '@budget-erp/service-kit';
import { erpAdapters } from '../../erp-adapters/erp-adapter.registry';
import { LinkProjectHandler } from '../application/link-project.handler';
import { ProjectLinkQueries } from '../application/project-links.queries';
import { UnlinkProjectHandler } from '../application/unlink-project.handler';

const LinkBody = z.strictObject({ jobNumber: z.string().trim().min(1).max(100) });

const PageQuery = z.strictObject({
  page: z.coerce.number().int().min(1).default(1).describe('1-based page number'),
  pageSize: z.coerce.number().int().min(1).max(200).default(50).describe('links per page (at most 200)'),
});

const LinkView = z.object({
  projectId: z.string(),
  erpSystem: ErpSystemSchema,
  jobNumber: z.string(),
  jobName: z.string(),
  costCodes: z.array(z.object({ code: z.string(), description: z.string() })),
  supportsSubJobs: z.boolean(),
  subJobs: z.array(z.string()),
  linkedAt: z.string(),
});

const notLinked = (projectId: string) => ApplicationError.notFound('ERP.PROJECT_NOT_LINKED', `Project ${projectId} is not linked to an ERP job`);

@ApiTags('ERP project links')
@Controller('erp/projects')
export class ProjectLinkHttpController {
  constructor(
    @Inject(LinkProjectHandler) private readonly link: LinkProjectHandler,
    @Inject(UnlinkProjectHandler) private readonly unlink: UnlinkProjectHandler,
    @Inject(ProjectLinkQueries) private readonly queries: ProjectLinkQueries,
  ) {}

  /** Links the project to an ERP job; answers once the job's cost codes are known. */
  @Post(':projectId/link')
  @ApiOperation({ summary: 'Link the project to an ERP job (reads its cost codes and sub jobs from the ERP)' })
  @ApiZodBody(LinkBody)
  @ApiZodResponse(200, LinkView)
  @HttpCode(200)
  @Requires('erp.manage')
  linkProject(@CurrentPrincipal() principal: Principal, @Param('projectId') projectId: string, @Body(new ZodBody(LinkBody)) body: z.output<typeof LinkBody>) {
    return this.link.execute(principal, projectId, body.jobNumber);
  }

  /** The company's project links, ordered by project id. */
  @Get()
  @ApiOperation({ summary: 'The company’s project ↔ ERP job links, paged' })
  @ApiZodQuery(PageQuery)
  @ApiZodResponse(200, z.object({ items: z.array(LinkView), page: z.number(), pageSize: z.number(), total: z.number() }))
  @Requires('erp.read')
  list(@CurrentPrincipal() principal: Principal, @Query(new ZodQuery(PageQuery)) query: z.output<typeof PageQuery>) {
    return this.queries.links(principal.companyId, query.page, query.pageSize);
  }

  /** The project's link; 404 when it has none (or belongs to another company). */
  @Get(':projectId/link')
  @ApiOperation({ summary: 'The project’s ERP job link' })
  @ApiZodResponse(200, LinkView)
  @Requires('erp.read')
  async show(@CurrentPrincipal() principal: Principal, @Param('projectId') projectId: string) {
    const link = await this.queries.link(principal.companyId, projectId);
    if (!link) throw notLinked(projectId);
    return link;
  }

  /** Removes the project's link; refused while an export of the project is on its way or awaiting posting. */
  @Delete(':projectId/link')
  @ApiOperation({ summary: 'Unlink the project from its ERP job (409 while exports are pending)' })
  @HttpCode(204)
  @Requires('erp.manage')
  async remove(@CurrentPrincipal() principal: Principal, @Param('projectId') projectId: string): Promise<void> {
    const outcome = await this.unlink.execute(principal.companyId, projectId);
    switch (outcome.outcome) {
      case 'unlinked':
        return;
      case 'not_linked':
        throw notLinked(projectId);
      case 'exports_pending': {
        const erp = erpAdapters[outcome.erpSystem as keyof typeof erpAdapters]?.displayName ?? outcome.erpSystem;
        throw ApplicationError.conflict(
          'ERP.EXPORTS_PENDING',
          `Project ${projectId} cannot be unlinked from job ${outcome.jobNumber}: ${outcome.pending} export(s) to ${erp} have not been posted yet`,
        );
      }
      default: {
        const never: never = outcome;
        return never;
      }
    }
  }
}
