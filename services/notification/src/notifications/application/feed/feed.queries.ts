import { Inject, Injectable } from '@nestjs/common';
import { type FeedPage, markAllRead, markRead, readFeed } from '../../infrastructure/notification.repository';
import type { FeedItem } from '../../infrastructure/notification.mapper';
import { CLOCK, type Clock, TRANSACTION_RUNNER, type TransactionRunner } from '../ports';

export interface FeedOwner {
  companyId: string;
  userId: string;
}

/** The caller's in-app feed: only ever their own notifications in their own company. */
@Injectable()
export class FeedQueries {
  constructor(
    @Inject(TRANSACTION_RUNNER) private readonly uow: TransactionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  page(owner: FeedOwner, query: { page: number; pageSize: number; unreadOnly: boolean }): Promise<FeedPage> {
    return this.uow.run((manager) => readFeed(manager, owner, query));
  }

  markRead(owner: FeedOwner, id: string): Promise<FeedItem | null> {
    return this.uow.run((manager) => markRead(manager, owner, id, this.clock.now()));
  }

  markAllRead(owner: FeedOwner): Promise<number> {
    return this.uow.run((manager) => markAllRead(manager, owner, this.clock.now()));
  }
}
