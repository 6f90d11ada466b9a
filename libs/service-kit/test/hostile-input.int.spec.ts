import { request as httpRequest } from 'node:http';
import { createTestDatabase, startTestBroker, TestBroker, TestDatabase } from '@budget-erp/testing';
import { FixtureService, fixtureEditor, fixtureToken, startFixture, stopFixture } from './support/fixture-process';

interface Answer {
  status: number;
  body: { statusCode: number; error: string; message: string; code?: string; details?: { path: string; message: string }[] };
}

/** Raw HTTP, so that the URL and the body go exactly as written (fetch would re-encode or refuse some). */
function send(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile input at the HTTP edge', () => {
  let broker: TestBroker;
  let database: TestDatabase;
  let service: FixtureService;
  const auth = () => ({ authorization: `Bearer ${fixtureToken({ ...fixtureEditor, perms: { budget: 'admin', erpIntegrations: 'none' } })}` });
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    [broker, database] = await Promise.all([startTestBroker(), createTestDatabase('hostile')]);
    service = await startFixture({ DATABASE_URL: database.url, KAFKA_BROKERS: broker.brokers, LOG_LEVEL: 'warn', HTTP_MAX_STRING_LENGTH: '1000' });
  });

  afterAll(async () => {
    await stopFixture(service);
    await broker?.stop();
    await database?.drop();
  });

  it.each<[string, string, string, Record<string, string>, string | undefined, number, string, string]>([
    ['a NUL character in a path parameter', 'GET', '/things/%00', {}, undefined, 400, 'INVALID_CHARACTERS', "The URL's path contains a NUL character"],
    ['a lone surrogate in a path parameter (CESU bytes)', 'GET', '/things/%ED%A0%80', {}, undefined, 400, 'MALFORMED_URL', "The URL's path is not valid percent-encoded UTF-8"],
    ['a NUL character in a query value', 'GET', '/things/t1?filter=a%00b', {}, undefined, 400, 'INVALID_CHARACTERS', "The URL's query filter contains a NUL character"],
    ['a NUL character in a body string', 'POST', '/things', json, JSON.stringify({ id: 't-nul', name: 'a\u0000b', lines: [] }), 400, 'INVALID_CHARACTERS', 'Invalid request body: name contains a NUL character'],
    ['a lone surrogate in a body string', 'POST', '/things', json, '{"id":"t-sur","name":"\\ud800","lines":[]}', 400, 'INVALID_CHARACTERS', 'Invalid request body: name contains an unpaired UTF-16 surrogate'],
    ['a string over the limit', 'POST', '/things', json, JSON.stringify({ id: 't-long', name: 'x'.repeat(1001), lines: [] }), 413, 'STRING_TOO_LONG', 'Request body field name is 1001 characters long; the limit is 1000'],
    ['a key twice in one object', 'POST', '/things', json, '{"id":"t-dup","name":"a","lines":[{"costCode":"A","amount":"1.00","amount":"9.00"}]}', 400, 'DUPLICATE_KEY', 'Invalid request body: key "amount" appears twice in lines.0'],
    ['a text/plain body', 'POST', '/things', { 'content-type': 'text/plain' }, 'id=t1', 415, 'UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON (Content-Type: application/json), not text/plain'],
    ['a form body', 'POST', '/things', { 'content-type': 'application/x-www-form-urlencoded' }, 'id=t1', 415, 'UNSUPPORTED_MEDIA_TYPE', 'not application/x-www-form-urlencoded'],
    ['malformed JSON', 'POST', '/things', json, '{"id": "t1", ', 400, 'MALFORMED_JSON', 'Malformed JSON body'],
    ['a URL over 16 KiB', 'GET', `/things/${'x'.repeat(20_000)}`, {}, undefined, 431, 'MALFORMED_REQUEST', 'The URL and headers exceed 16 KiB'],
  ])('when a request carries %s, answers %i with %s naming it', async (_case, method, path, headers, body, status, code, message) => {
    const answer = await send(service.url, method, path, { ...auth(), ...headers }, body);
    expect({ status: answer.status, code: answer.body.code, statusCode: answer.body.statusCode }).toEqual({ status, code, statusCode: status });
    expect(answer.body.message).toContain(message);
  });

  it('when a value passes validation but PostgreSQL refuses it (a data exception), answers 400 INVALID_VALUE, not 500', async () => {
    // "things.version" is an integer: a version beyond its range is refused by PostgreSQL itself.
    const answer = await send(service.url, 'GET', '/probe/out-of-range', {}, undefined);
    expect(answer).toMatchObject({ status: 400, body: { code: 'INVALID_VALUE', message: expect.stringContaining('out of range') } });
  });

  it('after all that, the service is still ready', async () => {
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
  });
});
