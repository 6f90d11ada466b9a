export interface ErrorDetail {
  path: string;
  message: string;
}

export type ApplicationErrorKind = 'badRequest' | 'unauthorized' | 'forbidden' | 'notFound' | 'conflict';

const statusOf: Record<ApplicationErrorKind, number> = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
};

/** An expected failure at the transport edge; the exception filter turns it into its HTTP status. */
export class ApplicationError extends Error {
  readonly statusCode: number;

  constructor(
    readonly kind: ApplicationErrorKind,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'ApplicationError';
    this.statusCode = statusOf[kind];
  }

  static badRequest(code: string, message: string, details?: ErrorDetail[]): ApplicationError {
    return new ApplicationError('badRequest', code, message, details);
  }
  static unauthorized(code: string, message: string): ApplicationError {
    return new ApplicationError('unauthorized', code, message);
  }
  static forbidden(code: string, message: string): ApplicationError {
    return new ApplicationError('forbidden', code, message);
  }
  static notFound(code: string, message: string): ApplicationError {
    return new ApplicationError('notFound', code, message);
  }
  static conflict(code: string, message: string, details?: ErrorDetail[]): ApplicationError {
    return new ApplicationError('conflict', code, message, details);
  }
  /** A domain decision that refused the command (`{ code, message }`) is a state rule: 409. */
  static fromDomain(error: { code: string; message: string }): ApplicationError {
    return new ApplicationError('conflict', error.code, error.message);
  }
}

/** Thrown by repositories when an optimistic `version` update touched zero rows. */
export class StaleAggregateError extends ApplicationError {
  constructor(aggregate: string, id: string) {
    super('conflict', 'STALE_AGGREGATE', `${aggregate} ${id} was changed by another request; reload and retry`);
    this.name = 'StaleAggregateError';
  }
}
