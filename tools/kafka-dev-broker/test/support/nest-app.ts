// A NestJS Kafka-transport app (server and request-reply client) in its own process: NestJS 12 ships
// as ES modules, which plain Node loads but jest's module sandbox does not.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientKafka, EventPattern, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { logLevel } from 'kafkajs';
import { firstValueFrom } from 'rxjs';

type ParentMessage = { type: 'request'; id: number; numbers: number[] } | { type: 'stop' };

const report = (m: unknown) => process.send?.(m);
let failuresLeft = Number(process.env.FLAKY_FAILURES ?? '1');

@Controller()
class BudgetEventsController {
  @EventPattern('nest.budget-sent')
  onBudgetSent(@Payload() body: unknown): void {
    report({ type: 'event', topic: 'nest.budget-sent', body });
  }

  @EventPattern('nest.flaky')
  onFlaky(@Payload() body: unknown): void {
    report({ type: 'event', topic: 'nest.flaky', body });
    if (failuresLeft > 0) {
      failuresLeft--;
      throw new Error('handler failed on purpose');
    }
  }

  @MessagePattern('nest.sum')
  sum(@Payload() numbers: number[]): { total: number } {
    return { total: numbers.reduce((a, b) => a + b, 0) };
  }
}

@Module({ controllers: [BudgetEventsController] })
class EventsModule {}

async function main(): Promise<void> {
  const brokers = [process.argv[2]];
  const client = { brokers, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 5 } };
  const consumer = { sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 200, retry: { initialRetryTime: 50, retries: 2 } };
  const app = await NestFactory.createMicroservice(EventsModule, {
    transport: Transport.KAFKA,
    options: { client: { ...client, clientId: 'budget' }, consumer: { ...consumer, groupId: 'budget' }, subscribe: { fromBeginning: true } },
    logger: false,
  });
  await app.listen();
  const caller = new ClientKafka({ client: { ...client, clientId: 'caller' }, consumer: { ...consumer, groupId: 'caller' } });
  caller.subscribeToResponseOf('nest.sum');
  await caller.connect();
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'request') {
      firstValueFrom(caller.send<{ total: number }, number[]>('nest.sum', m.numbers)).then(
        (result) => report({ type: 'reply', id: m.id, result }),
        (e: unknown) => report({ type: 'reply', id: m.id, error: String(e) }),
      );
    } else {
      void Promise.all([caller.close(), app.close()]).finally(() => process.exit(0));
    }
  });
  report({ type: 'ready' });
}

main().catch((e: unknown) => {
  report({ type: 'failed', error: String(e) });
  process.exit(1);
});
