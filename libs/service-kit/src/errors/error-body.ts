import { HttpException, HttpStatus } from '@nestjs/common';
import { isBrokerUnavailable, isDatabaseUnavailable } from '@budget-erp/messaging';
import { ApplicationError, ErrorDetail } from './application-error';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  /** Stable machine-readable code of an expected failure, e.g. BUDGET.NOT_LOCKED. */
  code?: string;
  details?: ErrorDetail[];
}

const reasonPhrases: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return reasonPhrases[status] ?? HttpStatus[status]?.toString().replace(/_/g, ' ').toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase()) ?? 'Error';
}

function isOptimisticLockError(error: unknown): error is Error {
  return error instanceof Error && (error.name === 'OptimisticLockVersionMismatchError' || error.name === 'OptimisticLockCanNotBeUsedError');
}

function isBodyParseError(error: unknown): error is Error & { status: number; type: string } {
  return error instanceof Error && (error as { type?: unknown }).type === 'entity.parse.failed';
}

/** Seconds a client is asked to wait (`Retry-After`) before retrying a request refused during an outage. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

export interface MappedError {
  body: ErrorBody;
  /** `false`: a bug (log the stack). */
  expected: boolean;
  /** Set for an outage: the `Retry-After` header to send with the 503. */
  retryAfterSeconds?: number;
}

/**
 * An infrastructure outage is not the caller's fault nor a bug: 503 with a reason code and a
 * `Retry-After`, so the caller knows to retry (nothing was applied, or a retry is idempotent).
 */
function outage(error: unknown): MappedError | undefined {
  if (isDatabaseUnavailable(error)) {
    return {
      expected: true,
      retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS,
      body: { statusCode: 503, error: 'Service Unavailable', code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; retry later' },
    };
  }
  if (isBrokerUnavailable(error)) {
    return {
      expected: true,
      retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS,
      body: { statusCode: 503, error: 'Service Unavailable', code: 'BROKER_UNAVAILABLE', message: 'The message broker is unavailable; retry later' },
    };
  }
  return undefined;
}

/**
 * PostgreSQL refused a value (SQLSTATE class 22, data exception: a malformed uuid, a number out of
 * range, a string too long, a NUL byte): the request carried something the validation let through.
 * The caller's input, not an outage nor a crash: 400 naming what PostgreSQL refused.
 */
function invalidValue(error: unknown): MappedError | undefined {
  const driverError = (error as { driverError?: { code?: unknown; message?: unknown } } | null)?.driverError;
  const code = driverError?.code ?? (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^22[0-9A-Z]{3}$/.test(code)) return undefined;
  const reason = String(driverError?.message ?? (error as Error).message ?? '').slice(0, 300);
  return { expected: true, body: { statusCode: 400, error: 'Bad Request', code: 'INVALID_VALUE', message: `A value in the request was refused: ${reason}` } };
}

/** Maps any thrown value to the platform's error body; `expected: false` means it is a bug (log the stack). */
export function toErrorBody(error: unknown): MappedError {
  if (error instanceof ApplicationError) {
    return {
      expected: true,
      body: {
        statusCode: error.statusCode,
        error: reasonPhrase(error.statusCode),
        message: error.message,
        code: error.code,
        ...(error.details ? { details: error.details } : {}),
      },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const fields = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
    const rawMessage = typeof response === 'string' ? response : fields.message ?? error.message;
    const message = Array.isArray(rawMessage) ? rawMessage.join('; ') : String(rawMessage);
    const details = Array.isArray(fields.details) ? (fields.details as ErrorDetail[]) : undefined;
    return {
      expected: status < 500,
      body: {
        statusCode: status,
        error: reasonPhrase(status),
        message,
        ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
        ...(details ? { details } : {}),
      },
    };
  }
  if (isBodyParseError(error)) {
    return { expected: true, body: { statusCode: 400, error: 'Bad Request', message: `Malformed JSON body: ${error.message}` } };
  }
  const unavailable = outage(error);
  if (unavailable) return unavailable;
  const invalid = invalidValue(error);
  if (invalid) return invalid;
  if (isOptimisticLockError(error)) {
    return {
      expected: true,
      body: { statusCode: 409, error: 'Conflict', code: 'STALE_AGGREGATE', message: 'The resource was changed by another request; reload and retry' },
    };
  }
  return { expected: false, body: { statusCode: 500, error: 'Internal Server Error', message: 'An unexpected error occurred' } };
}
