import { Body, Controller, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, Requires, type Principal } from '@budget-erp/auth';
import { ErpFailureCodeSchema, ErpSystemSchema } from '@budget-erp/contracts';
import { ApiZodBody, ApiZodResponse, ApplicationError, SERVICE_CONFIG, ZodBody } from '@budget-erp/service-kit';
import type { ErpConnectorConfig } from '../../config';
import { erpAdapters } from '../../erp-adapters/erp-adapter.registry';
import { ErpConnectionsService } from '../application/erp-connections.service';
import { TestErpConnectionHandler } from '../application/test-erp-connection.handler';
import { customerErpUrlProblem, parseAllowedOrigin, type AllowedOrigin } from '../domain/customer-erp-url';

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The body of `PUT /erp/connection`; the company's own ERP address is checked against the operator's allow-list. */
export function connectionBodySchema(allowList: readonly AllowedOrigin[]) {
  return z
    .strictObject({
      system: ErpSystemSchema,
      settings: z
        .strictObject({
          erpCompanyId: z.string().min(1).max(100).optional(),
          estimatesEnabled: z.boolean().optional(),
          timeZone: z
            .string()
            .refine(isTimeZone, 'must be an IANA time zone such as America/Chicago')
            .optional(),
          baseUrl: z
            .string()
            .max(500)
            .superRefine((value, ctx) => {
              const problem = customerErpUrlProblem(value, allowList);
              if (problem) ctx.addIssue({ code: 'custom', message: problem });
            })
            .nullable()
            .optional()
            .describe('the company’s own ERP address, for ERPs hosted per customer (CMiC); null: the platform’s address for the ERP'),
          credentials: z.record(z.string().min(1).max(100), z.string().max(4000)).optional(),
        })
        .optional(),
    })
    .superRefine((body, ctx) => {
      const baseUrl = body.settings?.baseUrl;
      if (typeof baseUrl !== 'string') return;
      const adapter = erpAdapters[body.system];
      if (adapter.hosting !== 'per_customer') {
        ctx.addIssue({ code: 'custom', path: ['settings', 'baseUrl'], message: `${adapter.displayName} is one service for every company; a company address is only for ERPs hosted per customer` });
      }
    });
}

const ConnectionView = z.object({
  companyId: z.string(),
  system: ErpSystemSchema,
  erpCompanyId: z.string(),
  estimatesEnabled: z.boolean(),
  timeZone: z.string(),
  baseUrl: z.string().nullable(),
  hasCredentials: z.boolean(),
  updatedAt: z.string(),
});

const ConnectionTestView = z.object({
  status: z.enum(['ok', 'failed']),
  erpSystem: ErpSystemSchema,
  baseUrl: z.string(),
  reachable: z.boolean(),
  credentialsValid: z.boolean().nullable(),
  reasonCode: ErpFailureCodeSchema.nullable(),
  message: z.string(),
  checkedAt: z.string(),
});

const connectionNotFound = () => ApplicationError.notFound('ERP.CONNECTION_MISSING', 'The company has no ERP connection; set it up with PUT /erp/connection');

@ApiTags('ERP connection')
@Controller('erp/connection')
export class ErpConnectionHttpController {
  private readonly body: ReturnType<typeof connectionBodySchema>;

  constructor(
    @Inject(ErpConnectionsService) private readonly connections: ErpConnectionsService,
    @Inject(TestErpConnectionHandler) private readonly tester: TestErpConnectionHandler,
    @Inject(SERVICE_CONFIG) config: ErpConnectorConfig,
  ) {
    this.body = connectionBodySchema(config.ERP_CUSTOMER_URL_ALLOWLIST.map((entry) => parseAllowedOrigin(entry)!));
  }

  /** Sets the company's ERP system and settings; credentials are stored encrypted and never returned. */
  @Put()
  @ApiOperation({ summary: 'Set the company’s ERP system and settings (credentials are write-only)' })
  @ApiZodBody(connectionBodySchema([]), 'The ERP system and its settings; credentials are write-only')
  @ApiZodResponse(200, ConnectionView)
  @HttpCode(200)
  @Requires('erp.manage')
  configure(@CurrentPrincipal() principal: Principal, @Body() raw: unknown) {
    const body = new ZodBody(this.body).transform(raw);
    return this.connections.configure({ companyId: principal.companyId, system: body.system, ...(body.settings ? { settings: body.settings } : {}) });
  }

  /** The company's ERP connection, never its credentials. */
  @Get()
  @ApiOperation({ summary: 'The company’s ERP connection (never the credentials)' })
  @ApiZodResponse(200, ConnectionView)
  @Requires('erp.read')
  async show(@CurrentPrincipal() principal: Principal) {
    const settings = await this.connections.read(principal.companyId);
    if (!settings) throw connectionNotFound();
    return settings;
  }

  /** Calls the ERP once with the stored address and credentials and says whether it answered and accepted them. */
  @Post('test')
  @ApiOperation({ summary: 'Test the connection: one real call to the ERP; answers ok or failed with the ERP’s reason' })
  @ApiZodResponse(200, ConnectionTestView)
  @HttpCode(200)
  @Requires('erp.manage')
  async test(@CurrentPrincipal() principal: Principal) {
    const result = await this.tester.execute(principal.companyId);
    if (!result) throw connectionNotFound();
    return result;
  }
}
