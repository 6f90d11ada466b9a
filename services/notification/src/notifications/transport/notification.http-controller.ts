import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Principal, CurrentPrincipal, can } from '@budget-erp/auth';
import { ApiZodBody, ApiZodQuery, ApiZodResponse, ApplicationError, ZodBody, ZodQuery } from '@budget-erp/service-kit';
import { PreferencesHandler } from '../../daily-summary/application/preferences/preferences.handler';
import { FeedQueries } from '../application/feed/feed.queries';
import { FeedItemSchema, FeedPageSchema, FeedQuerySchema, PreferencesBodySchema, PreferencesSchema } from './notification.http-schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notFound = (id: string) => ApplicationError.notFound('NOTIFICATION.NOT_FOUND', `notification ${id} was not found`);

const ownerOf = (principal: Principal) => ({ companyId: principal.companyId, userId: principal.userId });

@ApiTags('notifications')
@Controller('notifications')
export class NotificationHttpController {
  constructor(
    private readonly feed: FeedQueries,
    private readonly preferences: PreferencesHandler,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's in-app feed, newest first; `?unread=true` for unread ones only" })
  @ApiZodQuery(FeedQuerySchema)
  @ApiZodResponse(200, FeedPageSchema)
  list(@CurrentPrincipal() principal: Principal, @Query(new ZodQuery(FeedQuerySchema)) query: z.output<typeof FeedQuerySchema>) {
    return this.feed.page(ownerOf(principal), { page: query.page, pageSize: query.pageSize, unreadOnly: query.unread === 'true' });
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: "Marks all the caller's notifications read" })
  @ApiZodResponse(200, z.object({ marked: z.number().int().describe('Notifications that were unread') }))
  async readAll(@CurrentPrincipal() principal: Principal) {
    return { marked: await this.feed.markAllRead(ownerOf(principal)) };
  }

  @Get('preferences')
  @ApiOperation({ summary: "The caller's notification preferences" })
  @ApiZodResponse(200, PreferencesSchema)
  readPreferences(@CurrentPrincipal() principal: Principal) {
    return this.preferences.read(principal.companyId, principal.userId);
  }

  @Put('preferences')
  @ApiOperation({
    summary: 'Turns the ERP Integrations Daily Summary on or off; a caller allowed to approve exports is registered as an approver',
  })
  @ApiZodBody(PreferencesBodySchema)
  @ApiZodResponse(200, PreferencesSchema)
  updatePreferences(@CurrentPrincipal() principal: Principal, @Body(new ZodBody(PreferencesBodySchema)) body: z.output<typeof PreferencesBodySchema>) {
    return this.preferences.update(
      principal.companyId,
      { userId: principal.userId, name: principal.name || principal.userId, email: principal.email },
      { dailySummary: body.dailySummary },
      can(principal, 'erp.approve'),
    );
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: "Marks one of the caller's notifications read (404 when it is not theirs)" })
  @ApiZodResponse(200, FeedItemSchema)
  async read(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    if (!UUID.test(id)) throw notFound(id);
    const item = await this.feed.markRead(ownerOf(principal), id);
    if (!item) throw notFound(id);
    return item;
  }
}
