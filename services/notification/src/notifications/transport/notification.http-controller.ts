import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Principal, CurrentPrincipal, can } from '@budget-erp/auth';
import { ApplicationError, ZodBody, ZodQuery } from '@budget-erp/service-kit';
import { PreferencesHandler } from '../../daily-summary/application/preferences/preferences.handler';
import { FeedQueries } from '../application/feed/feed.queries';

const FeedQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  unread: z.enum(['true', 'false']).optional(),
});

const PreferencesSchema = z.strictObject({
  dailySummary: z.boolean(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notFound = (id: string) => ApplicationError.notFound('NOTIFICATION.NOT_FOUND', `notification ${id} was not found`);

@ApiTags('notifications')
@Controller('notifications')
export class NotificationHttpController {
  constructor(
    private readonly feed: FeedQueries,
    private readonly preferences: PreferencesHandler,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's notifications, newest first; `?unread=true` for unread ones only" })
  list(@CurrentPrincipal() principal: Principal, @Query(new ZodQuery(FeedQuerySchema)) query: z.output<typeof FeedQuerySchema>) {
    return this.feed.page(
      { companyId: principal.companyId, userId: principal.userId },
      { page: query.page, pageSize: query.pageSize, unreadOnly: query.unread === 'true' },
    );
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: "Marks all the caller's notifications read" })
  async readAll(@CurrentPrincipal() principal: Principal) {
    const marked = await this.feed.markAllRead({ companyId: principal.companyId, userId: principal.userId });
    return { marked };
  }

  @Get('preferences')
  @ApiOperation({ summary: "The caller's notification preferences" })
  readPreferences(@CurrentPrincipal() principal: Principal) {
    return this.preferences.read(principal.companyId, principal.userId);
  }

  @Put('preferences')
  @ApiOperation({
    summary: 'Turns the ERP Integrations Daily Summary on or off; an approver saving preferences is registered for the summary',
  })
  updatePreferences(@CurrentPrincipal() principal: Principal, @Body(new ZodBody(PreferencesSchema)) body: z.output<typeof PreferencesSchema>) {
    return this.preferences.update(
      principal.companyId,
      { userId: principal.userId, name: principal.name || principal.userId, email: principal.email },
      { dailySummary: body.dailySummary },
      can(principal, 'erp.approve'),
    );
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Marks one of the caller’s notifications read' })
  async read(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    if (!UUID.test(id)) throw notFound(id);
    const item = await this.feed.markRead({ companyId: principal.companyId, userId: principal.userId }, id);
    if (!item) throw notFound(id);
    return item;
  }
}
