import { isDatabaseUnavailable } from '../src';

describe('telling a database outage from a failing event', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  const queryFailed = (code: string) => Object.assign(new Error('query failed'), { driverError: { code } });

  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['an administrator shutdown (57P01)', queryFailed('57P01')],
    ['a connection exception (08006)', queryFailed('08006')],
    ['too many connections (53300)', queryFailed('53300')],
    ['a terminated pg connection', new Error('Connection terminated unexpectedly')],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
  ])('when the error is %s, treats it as the database being unavailable', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a handler bug', new Error('Cannot read properties of undefined')],
    ['a unique violation (23505)', queryFailed('23505')],
    ['a coded domain failure', withCode('budget is not locked', 'BUDGET.NOT_LOCKED')],
    ['a thrown string', 'boom'],
  ])('when the error is %s, counts it as a failed attempt', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
