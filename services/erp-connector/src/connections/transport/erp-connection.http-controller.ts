import { Body, Controller, HttpCode, Inject, Put } from '@nestjs/common';
import { z } from 'zod';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { ErpSystemSchema } from '@budget-erp/contracts';
import { ApiZodBody, ZodBody } from '@budget-erp/service-kit';
import { ErpConnectionsService } from '../application/erp-connections.service';

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const ConnectionBody = z.strictObject({
  system: ErpSystemSchema,
  settings: z
    .strictObject({
      erpCompanyId: z.string().min(1).max(100).optional(),
      estimatesEnabled: z.boolean().optional(),
      timeZone: z
        .string()
        .refine(isTimeZone, 'must be an IANA time zone such as America/Chicago')
        .optional(),
      credentials: z.record(z.string().min(1).max(100), z.string().max(4000)).optional(),
    })
    .optional(),
});

@Controller('erp/connection')
export class ErpConnectionHttpController {
  constructor(@Inject(ErpConnectionsService) private readonly connections: ErpConnectionsService) {}

  /** Sets the company's ERP system and settings; credentials are stored encrypted and never returned. */
  @Put()
  @ApiZodBody(ConnectionBody, 'The ERP system and its settings; credentials are write-only')
  @HttpCode(200)
  @Requires('erp.manage')
  configure(@CurrentPrincipal() principal: Principal, @Body(new ZodBody(ConnectionBody)) body: z.output<typeof ConnectionBody>) {
    return this.connections.configure({ companyId: principal.companyId, system: body.system, ...(body.settings ? { settings: body.settings } : {}) });
  }
}
