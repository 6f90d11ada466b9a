import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { ApiZodQuery, ApiZodResponse, ZodQuery } from '@budget-erp/service-kit';
import { ErpConnectionsService } from '../../connections/application/erp-connections.service';
import { adapterFor } from '../../erp-adapters/erp-adapter.registry';
import { httpErrorOfErp, noConnection } from '../../shared/erp-failure.http';

const JobsQuery = z.strictObject({
  search: z.string().trim().max(100).default('').describe('part of the job number or name (QuickBooks Online: of the project name), case-insensitive'),
  page: z.coerce.number().int().min(1).max(10_000).default(1).describe('1-based page number'),
  pageSize: z.coerce.number().int().min(1).max(100).default(25).describe('jobs per page (at most 100)'),
});

const JobsPage = z.object({
  items: z.array(z.object({ jobNumber: z.string(), name: z.string() })),
  page: z.number(),
  pageSize: z.number(),
  hasMore: z.boolean().describe('whether the ERP has another page'),
});

/** The job picker: the company's jobs, read live from its ERP. */
@ApiTags('ERP project links')
@Controller('erp/jobs')
export class ErpJobsHttpController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ErpConnectionsService) private readonly connections: ErpConnectionsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The job picker: the company’s ERP jobs matching a search, paged, read from the ERP' })
  @ApiZodQuery(JobsQuery)
  @ApiZodResponse(200, JobsPage)
  @Requires('erp.read')
  async list(@CurrentPrincipal() principal: Principal, @Query(new ZodQuery(JobsQuery)) query: z.output<typeof JobsQuery>): Promise<z.output<typeof JobsPage>> {
    const resolved = await this.dataSource.transaction((m) => this.connections.connectionFor(m, principal.companyId));
    if (!resolved) throw noConnection();
    const answer = await adapterFor(resolved.settings.system).listJobs(resolved.connection, {
      search: query.search,
      offset: (query.page - 1) * query.pageSize,
      limit: query.pageSize,
    });
    if (!answer.ok) throw httpErrorOfErp(answer.error);
    return { items: answer.value.items, page: query.page, pageSize: query.pageSize, hasMore: answer.value.hasMore };
  }
}
