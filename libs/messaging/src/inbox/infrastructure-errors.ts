/**
 * A unit of work could not reach the database. `committed: 'no'` — nothing was applied (the
 * transaction failed before its commit, and so did its one retry); `'unknown'` — the connection
 * was lost during the commit itself.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  constructor(
    readonly committed: 'no' | 'unknown',
    override readonly cause: unknown,
  ) {
    super(`The database is unavailable${committed === 'unknown' ? ' (the outcome of the last commit is unknown)' : ''}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const connectionErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
// SQLSTATE: 08xxx connection exceptions; 57P01-03 server shutting down or starting; 53300 too many connections.
const unavailableSqlStates = /^(08...|57P0[123]|53300)$/;
const connectionMessages = [
  'Connection terminated',
  'connection error',
  'timeout exceeded when trying to connect',
  'Driver not Connected',
  'Connection is not established',
];
// TypeORM releases a query runner whose connection emitted an error; its next query throws one of these.
const releasedRunnerErrors = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);
const brokerErrorNames = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSLockTimeout',
]);

const codesOf = (error: unknown): string[] => {
  if (typeof error !== 'object' || error === null) return [];
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return [code, driverError?.code].filter((value): value is string => typeof value === 'string');
};

/**
 * Whether an error means the database could not be reached, rather than that the event cannot be
 * applied. Such failures are retried for as long as they last and never dead-letter the event.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (codesOf(error).some((code) => connectionErrnos.has(code) || unavailableSqlStates.test(code))) return true;
  if (error instanceof Error && releasedRunnerErrors.has(error.constructor.name)) return true;
  const message = error instanceof Error ? error.message : '';
  return connectionMessages.some((fragment) => message.includes(fragment));
}

/** Whether an error means the Kafka brokers could not be reached (kafkajs connection and timeout errors). */
export function isBrokerUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (brokerErrorNames.has(current.name)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
