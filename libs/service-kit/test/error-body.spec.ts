import { BadRequestException, HttpException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { OptimisticLockVersionMismatchError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { DatabaseUnavailableError } from '@budget-erp/messaging';
import { ApplicationError, StaleAggregateError } from '../src/errors/application-error';
import { toErrorBody } from '../src/errors/error-body';

describe('toErrorBody', () => {
  it.each([
    ['not found', ApplicationError.notFound('BUDGET.NOT_FOUND', 'Budget b1 not found'), 404, 'Not Found'],
    ['conflict', ApplicationError.conflict('BUDGET.LOCKED', 'budgetCannotBeEditedWhileLocked'), 409, 'Conflict'],
    ['forbidden', ApplicationError.forbidden('AUTH.OTHER', 'Only the owner may do that'), 403, 'Forbidden'],
    ['bad request', ApplicationError.badRequest('BUDGET.EMPTY', 'A budget needs lines'), 400, 'Bad Request'],
    ['unauthorized', ApplicationError.unauthorized('AUTH.TOKEN', 'Token has expired'), 401, 'Unauthorized'],
    ['domain refusal', ApplicationError.fromDomain({ code: 'BUDGET.EXPORT_NOT_POSTED', message: 'budgetCannotBeUnlockedBeforeEntriesArePosted' }), 409, 'Conflict'],
  ])('when the application throws %s, answers its status with the code and message', (_kind, error, statusCode, reason) => {
    expect(toErrorBody(error)).toEqual({ expected: true, body: { statusCode, error: reason, code: error.code, message: error.message } });
  });

  it('when a Nest HttpException is thrown, keeps its status and message in the platform shape', () => {
    expect(toErrorBody(new NotFoundException('Cannot GET /nowhere')).body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /nowhere' });
    expect(toErrorBody(new BadRequestException(['a is bad', 'b is bad'])).body.message).toBe('a is bad; b is bad');
    expect(toErrorBody(new PayloadTooLargeException()).body.statusCode).toBe(413);
    expect(toErrorBody(new HttpException('teapot', 418)).body).toEqual({ statusCode: 418, error: "I Am A Teapot", message: 'teapot' });
  });

  it('when an optimistic version check fails or a repository reports a stale aggregate, answers 409', () => {
    expect(toErrorBody(new OptimisticLockVersionMismatchError('Budget', 1, 2)).body).toMatchObject({ statusCode: 409, code: 'STALE_AGGREGATE' });
    expect(toErrorBody(new StaleAggregateError('Budget', 'b1')).body).toMatchObject({ statusCode: 409, code: 'STALE_AGGREGATE', message: expect.stringContaining('b1') });
  });

  it('when anything else is thrown, answers a generic 500 that reveals nothing', () => {
    expect(toErrorBody(new TypeError("Cannot read properties of undefined (reading 'password')"))).toEqual({
      expected: false,
      body: { statusCode: 500, error: 'Internal Server Error', message: 'An unexpected error occurred' },
    });
    expect(toErrorBody('a string').body.statusCode).toBe(500);
  });
});

describe('toErrorBody during an outage', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  const kafkaError = (name: string) => Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name });

  it.each([
    ['a refused database connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a connection terminated mid-query', new Error('Connection terminated unexpectedly')],
    ['a query runner released by its lost connection', new QueryRunnerAlreadyReleasedError()],
    ['a unit of work that could not reach the database', new DatabaseUnavailableError('no', new Error('Connection terminated'))],
  ])('when %s is thrown, answers 503 DATABASE_UNAVAILABLE with Retry-After', (_kind, error) => {
    expect(toErrorBody(error)).toEqual({
      expected: true,
      retryAfterSeconds: 5,
      body: { statusCode: 503, error: 'Service Unavailable', code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; retry later' },
    });
  });

  it.each(['KafkaJSConnectionError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSRequestTimeoutError'])('when kafkajs throws %s, answers 503 BROKER_UNAVAILABLE with Retry-After', (name) => {
    expect(toErrorBody(kafkaError(name))).toMatchObject({ retryAfterSeconds: 5, body: { statusCode: 503, code: 'BROKER_UNAVAILABLE' } });
  });
});
