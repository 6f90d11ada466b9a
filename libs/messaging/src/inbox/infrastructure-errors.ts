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
  if (codesOf(error).some((code) => connectionErrnos.has(code) || unavailableSqlStates.test(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return connectionMessages.some((fragment) => message.includes(fragment));
}
