import { correlationContext } from '@budget-erp/messaging';
import { JsonLogger } from '../src/logging/json-logger';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger('budget', level, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return { logger, lines };
}

describe('JsonLogger', () => {
  it('when Nest logs with a context inside a correlation, writes one JSON line with every field', () => {
    const { logger, lines } = capture();
    correlationContext.run({ correlationId: 'c-1', causationId: 'e-9' }, () => logger.log('Budget locked', 'LockBudgetHandler'));
    expect(lines).toEqual([
      { time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), level: 'info', service: 'budget', context: 'LockBudgetHandler', message: 'Budget locked', correlationId: 'c-1', causationId: 'e-9' },
    ]);
  });

  it('when an error is logged with a stack and a context, keeps the stack in its own field', () => {
    const { logger, lines } = capture();
    logger.error('Relay batch failed', 'Error: boom\n    at relay.ts:10', 'OutboxRelay');
    expect(lines[0]).toMatchObject({ level: 'error', context: 'OutboxRelay', message: 'Relay batch failed', stack: 'Error: boom\n    at relay.ts:10' });
    expect(lines[0]).not.toHaveProperty('correlationId');
  });

  it('when a structured message is logged, merges its fields without overwriting time, level or service', () => {
    const { logger, lines } = capture();
    logger.log({ message: 'exported', budgetId: 'b1', amount: 125000n, level: 'fake' }, 'Saga');
    expect(lines[0]).toMatchObject({ level: 'info', service: 'budget', message: 'exported', budgetId: 'b1', amount: '125000' });
  });

  it('when the level is warn, drops info and debug lines', () => {
    const { logger, lines } = capture('warn');
    logger.debug('noise');
    logger.log('chatter');
    logger.warn('careful');
    expect(lines.map((line) => line.message)).toEqual(['careful']);
  });
});
