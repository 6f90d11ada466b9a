import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { erpFetch, JsonListBody } from '../src/erp-adapters/erp-http';
import type { ErpConnection } from '../src/erp-adapters/erp-adapter';

const line = (i: number) => ({ costCode: `01-${i}`, description: i % 7 === 0 ? `quote " and ] bracket ${i}` : null, amount: `${i}.50` });
const asErpLine = (l: ReturnType<typeof line>) => ({ phsCode: l.costCode, description: l.description, amount: l.amount });
const collect = async (body: JsonListBody<ReturnType<typeof line>>): Promise<string[]> => {
  const pieces: string[] = [];
  for await (const piece of body.chunks()) pieces.push(piece);
  return pieces;
};

describe('a JSON body whose list is sent a slice at a time', () => {
  it.each([
    ['no items', 0, { extRef: 'k-1', description: null }],
    ['one item', 1, { extRef: 'k-1', revision: { revNumber: 3 } }],
    ['several slices and a last partial one', 2500, { extRef: 'k-1' }],
    ['an empty head', 3, {}],
    ['a head that already names the list', 2, { extRef: 'k-1', lines: 'replaced' }],
  ])('with %s, reads back as the object it stands for', async (_case, count, head) => {
    const items = Array.from({ length: count }, (_, i) => line(i));
    const body = new JsonListBody(head, 'lines', items, asErpLine);

    const text = (await collect(body)).join('');

    expect(JSON.parse(text)).toEqual({ ...head, lines: items.map(asErpLine) });
  });

  it('from a source read a slice at a time, empty slices included, reads back as the whole list', async () => {
    const items = Array.from({ length: 2300 }, (_, i) => line(i));
    let reads = 0;
    const source = async function* () {
      reads += 1;
      yield [];
      for (let from = 0; from < items.length; from += 1000) yield items.slice(from, from + 1000);
      yield [];
    };
    const body = new JsonListBody({ extRef: 'k-2' }, 'lines', source, asErpLine);

    expect(JSON.parse((await collect(body)).join(''))).toEqual({ extRef: 'k-2', lines: items.map(asErpLine) });
    expect(JSON.parse((await collect(body)).join(''))).toEqual({ extRef: 'k-2', lines: items.map(asErpLine) });
    expect(reads).toBe(2);
  });

  it('cuts a 2,500-item list into slices of 1,000 items, so no piece holds the whole list', async () => {
    const body = new JsonListBody({ extRef: 'k-1' }, 'lines', Array.from({ length: 2500 }, (_, i) => line(i)), asErpLine);

    const chunks = await collect(body);

    expect(chunks).toHaveLength(5);
    expect(chunks.slice(1, 4).map((chunk) => (chunk.match(/"phsCode"/g) ?? []).length)).toEqual([1000, 1000, 500]);
  });

  describe('sent to an HTTP server', () => {
    let server: Server;
    let received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const connection = (): ErpConnection => ({
      companyId: 'c1',
      erpCompanyId: 'c1',
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: null,
      timeoutMs: 5000,
    });

    beforeAll(async () => {
      server = createServer((request, response) => {
        const parts: Buffer[] = [];
        request.on('data', (part: Buffer) => parts.push(part));
        request.on('end', () => {
          received.push({ headers: request.headers, body: Buffer.concat(parts).toString('utf8') });
          response.writeHead(201, { 'content-type': 'application/json' }).end('{"batchNo":"B-1"}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      received = [];
    });

    it('arrives whole, as JSON, in chunked transfer encoding; sending it again sends it whole again', async () => {
      const items = Array.from({ length: 5000 }, (_, i) => line(i));
      const body = new JsonListBody({ extRef: 'k-9' }, 'lines', items, asErpLine);

      const first = await erpFetch(connection(), 'Test ERP', 'POST', '/batches', {}, body);
      const second = await erpFetch(connection(), 'Test ERP', 'POST', '/batches', {}, body);

      expect(first).toEqual({ ok: true, value: { status: 201, body: { batchNo: 'B-1' } } });
      expect(second).toEqual(first);
      expect(received).toHaveLength(2);
      for (const request of received) {
        expect(request.headers['transfer-encoding']).toBe('chunked');
        expect(request.headers['content-type']).toBe('application/json');
        expect(JSON.parse(request.body)).toEqual({ extRef: 'k-9', lines: items.map(asErpLine) });
      }
    });

    it('when the list takes longer to send than the call deadline but the ERP takes it steadily, the call is not cut off', async () => {
      const items = Array.from({ length: 6000 }, (_, i) => line(i));
      const slowly = async function* () {
        for (let from = 0; from < items.length; from += 1000) {
          await new Promise((resolve) => setTimeout(resolve, 150));
          yield items.slice(from, from + 1000);
        }
      };
      const startedAt = Date.now();

      const result = await erpFetch({ ...connection(), timeoutMs: 500 }, 'Test ERP', 'POST', '/batches', {}, new JsonListBody({ extRef: 'k-10' }, 'lines', slowly, asErpLine));

      expect(Date.now() - startedAt).toBeGreaterThan(500);
      expect(result).toEqual({ ok: true, value: { status: 201, body: { batchNo: 'B-1' } } });
      expect(JSON.parse(received[0].body)).toEqual({ extRef: 'k-10', lines: items.map(asErpLine) });
    });
  });

  describe('sent to an ERP that stops reading or never answers', () => {
    let server: Server;
    const connection = (): ErpConnection => ({
      companyId: 'c1',
      erpCompanyId: 'c1',
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: null,
      timeoutMs: 300,
    });

    beforeAll(async () => {
      server = createServer((request, response) => {
        // Reads nothing of a stalled request, and all of the others without ever answering.
        if (request.url === '/stalled') request.pause();
        else request.resume();
        // Answers 200 and the start of a body that never ends.
        if (request.url === '/half-answer') response.writeHead(200, { 'content-type': 'application/json' }).write('{"batchNo":"B-1","extRef":');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it.each([
      ['stops reading the list', '/stalled'],
      ['takes the whole list and never answers', '/silent'],
    ])('when the ERP %s, the call times out as transient', async (_case, path) => {
      const items = Array.from({ length: 100_000 }, (_, i) => line(i));

      const result = await erpFetch(connection(), 'Test ERP', 'POST', path, {}, new JsonListBody({ extRef: 'k-11' }, 'lines', items, asErpLine));

      expect(result).toMatchObject({ ok: false, error: { kind: 'transient', code: 'timeout' } });
    });

    it('when the ERP answers 200 but never finishes its body, the call times out as transient instead of answering an empty record', async () => {
      const result = await erpFetch(connection(), 'Test ERP', 'GET', '/half-answer', {});

      expect(result).toMatchObject({ ok: false, error: { kind: 'transient', code: 'timeout' } });
    });
  });
});
