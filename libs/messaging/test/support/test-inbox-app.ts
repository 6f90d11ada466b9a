import { Controller, Inject, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topic, Topics } from '@budget-erp/contracts';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { createInboxTransport, InboxContext, KafkaInboxServer, OutboxWriter, ReceivedEvent } from '../../src';

export class CreateAppliedEffects1700000000999 implements MigrationInterface {
  name = 'CreateAppliedEffects1700000000999';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE applied_effects (event_id text NOT NULL, subject text NOT NULL, behaviour text NOT NULL, label text NULL)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE applied_effects');
  }
}

/** Handler attempts per event id, to script failures. */
export const attemptsByEvent = new Map<string, number>();

/** Event ids whose after-commit callback ran, in the order they ran. */
export const afterCommitRuns: string[] = [];

/** What `onApplied` heard after each commit: the events applied in it and whether they stored outbox events. */
export const appliedCommits: { eventIds: string[]; storedEvents: boolean }[] = [];
let committing: string[] = [];

@Controller()
class BudgetLockedTestHandlers {
  constructor(@Inject(OutboxWriter) private readonly outbox: OutboxWriter) {}

  @EventPattern<Topic>(Topics.BudgetLocked)
  async onLocked(@Payload() event: ReceivedEvent<'budget.locked'>, @Ctx() ctx: InboxContext<'budget.locked'>): Promise<void> {
    const attempt = (attemptsByEvent.get(event.id) ?? 0) + 1;
    attemptsByEvent.set(event.id, attempt);
    const behaviour = event.payload.lockedBy.name;
    ctx.afterCommit(() => afterCommitRuns.push(event.id));
    ctx.afterCommit(() => committing.push(event.id));
    // The effect is written before failing, to show that a failed attempt leaves nothing behind.
    await ctx.manager.query('INSERT INTO applied_effects (event_id, subject, behaviour, label) VALUES ($1, $2, $3, $4)', [
      event.id,
      event.subject,
      behaviour,
      ctx.label ?? null,
    ]);
    if (behaviour === 'always-fail') throw new Error(`ledger for ${event.subject} is unavailable`);
    if (behaviour === 'database-restarting' && attempt <= 4) {
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    }
    if (behaviour === 'fail-twice' && attempt <= 2) throw new Error(`transient failure ${attempt}`);
    if (behaviour === 'publish-follow-up') {
      await this.outbox.publish(ctx.manager, {
        topic: Topics.BudgetUnlocked,
        subject: event.subject,
        companyId: event.companyId,
        payload: {
          budgetId: event.payload.budgetId,
          projectId: event.payload.projectId,
          companyId: event.payload.companyId,
          unlockedBy: null,
          cause: 'rejected',
          modifications: 'none',
          unlockedAt: new Date().toISOString(),
        },
      });
    }
  }
}

export interface TestInboxApp {
  app: INestMicroservice;
  transport: KafkaInboxServer;
  close(): Promise<void>;
}

/** A tiny Nest app whose only transport is the inbox, with @EventPattern handlers as services write them. */
export async function startTestInboxApp(options: {
  dataSource: DataSource;
  brokers: string[];
  groupId: string;
  label?: string;
}): Promise<TestInboxApp> {
  @Module({
    controllers: [BudgetLockedTestHandlers],
    providers: [
      { provide: DataSource, useValue: options.dataSource },
      { provide: OutboxWriter, useValue: new OutboxWriter({ serviceName: 'inbox-test' }) },
    ],
  })
  class TestInboxModule {}

  const transport = createInboxTransport({
    brokers: options.brokers,
    clientId: `${options.groupId}-test`,
    groupId: options.groupId,
    dataSource: options.dataSource,
    retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 100 },
    ...(options.label ? { label: options.label } : {}),
    // Runs after the commit's own after-commit callbacks, which collected its event ids.
    onApplied: ({ storedEvents }) => {
      appliedCommits.push({ eventIds: committing, storedEvents });
      committing = [];
    },
  });
  const app = await NestFactory.createMicroservice(TestInboxModule, { strategy: transport, logger: ['error'] });
  await app.listen();
  return { app, transport, close: () => app.close() };
}
