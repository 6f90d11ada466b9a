import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { ApiZodBody, ZodBody } from '@budget-erp/service-kit';
import { LinkProjectHandler } from '../application/link-project.handler';

const LinkBody = z.strictObject({ jobNumber: z.string().trim().min(1).max(100) });

@Controller('erp/projects')
export class ProjectLinkHttpController {
  constructor(@Inject(LinkProjectHandler) private readonly link: LinkProjectHandler) {}

  /** Links the project to an ERP job; answers once the job's cost codes are known. */
  @Post(':projectId/link')
  @ApiZodBody(LinkBody)
  @HttpCode(200)
  @Requires('erp.manage')
  linkProject(@CurrentPrincipal() principal: Principal, @Param('projectId') projectId: string, @Body(new ZodBody(LinkBody)) body: z.output<typeof LinkBody>) {
    return this.link.execute(principal, projectId, body.jobNumber);
  }
}
