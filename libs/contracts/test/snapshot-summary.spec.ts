import { contractFor, summarySchemaOf, Topics, withoutSnapshotLines, type PayloadOf } from '../src';

const user = { userId: 'u-1', name: 'Pat Manager', email: 'pat@example.com' };

function line(i: number, description: string | null = `Line ${i}`) {
  return { lineId: `line-${i}`, costCode: `01-${100 + (i % 900)}`, costType: 'L', subJob: null, description, amount: `${i}.25`, syncedAmount: null };
}

function acceptedPayload(lines: ReturnType<typeof line>[]): PayloadOf<'budget.accepted'> {
  return {
    budgetId: 'b-1',
    projectId: 'p-1',
    companyId: 'c-1',
    exportId: 'e-1',
    description: 'Q3 budget',
    revision: null,
    acceptedBy: user,
    acceptedAt: '2026-11-24T09:00:00.000Z',
    sentBy: user,
    createdBy: user,
    snapshot: {
      name: 'Tower A',
      origin: 'platform',
      kind: 'original',
      erpSystem: 'cmic',
      jobNumber: 'J-100',
      lines,
      total: '12.50',
      syncedTotal: '0.00',
      modificationIds: [],
    },
  };
}

const withoutLines = <T extends { snapshot: { lines: unknown } }>(payload: T) => {
  const { lines: _lines, ...snapshot } = payload.snapshot;
  return { ...payload, snapshot };
};

const cut = (json: string) => {
  const result = withoutSnapshotLines(Buffer.from(json));
  return result === undefined ? undefined : JSON.parse(result.toString('utf8'));
};

describe('reading a snapshot event without its lines', () => {
  it('cuts the lines out of a budget.accepted payload and leaves every other field as it was', () => {
    const payload = acceptedPayload([line(1), line(2), line(3)]);
    expect(contractFor(Topics.BudgetAccepted).schema.safeParse(payload).success).toBe(true);

    const summary = cut(JSON.stringify(payload));

    expect(summary).toEqual(withoutLines(payload));
    expect(summarySchemaOf(Topics.BudgetAccepted).parse(summary)).toEqual(withoutLines(payload));
  });

  it('cuts the lines whether they come first, in the middle, last or alone in the snapshot', () => {
    const lines = [line(1), line(2)];
    expect(cut(JSON.stringify({ a: 1, snapshot: { lines, name: 'x', total: '1.00' } }))).toEqual({ a: 1, snapshot: { name: 'x', total: '1.00' } });
    expect(cut(JSON.stringify({ a: 1, snapshot: { name: 'x', lines, total: '1.00' } }))).toEqual({ a: 1, snapshot: { name: 'x', total: '1.00' } });
    expect(cut(JSON.stringify({ a: 1, snapshot: { name: 'x', total: '1.00', lines } }))).toEqual({ a: 1, snapshot: { name: 'x', total: '1.00' } });
    expect(cut(JSON.stringify({ snapshot: { lines }, a: 1 }))).toEqual({ snapshot: {}, a: 1 });
  });

  it('finds the end of the lines when descriptions hold brackets, braces, quotes, backslashes and the word lines', () => {
    const tricky = ['] } [ {', 'say "lines": [1, 2]', 'ends with a backslash \\', '\\"', '"snapshot": {"lines": []}', 'ünïcødé ✓', null];
    const payload = acceptedPayload(tricky.map((description, i) => line(i, description)));

    expect(cut(JSON.stringify(payload))).toEqual(withoutLines(payload));
  });

  it('reads JSON laid out with spaces and newlines', () => {
    const payload = acceptedPayload([line(1), line(2)]);

    expect(cut(JSON.stringify(payload, null, 2))).toEqual(withoutLines(payload));
  });

  it('turns a 50,000-line payload into a summary of a few hundred bytes', () => {
    const payload = acceptedPayload(Array.from({ length: 50000 }, (_, i) => line(i)));
    const json = Buffer.from(JSON.stringify(payload));

    const result = withoutSnapshotLines(json);

    expect(json.length).toBeGreaterThan(5_000_000);
    expect(result!.length).toBeLessThan(1000);
    expect(JSON.parse(result!.toString('utf8'))).toEqual(withoutLines(payload));
  });

  it.each([
    ['no snapshot', '{"a":1}'],
    ['a snapshot without lines', '{"snapshot":{"name":"x"}}'],
    ['lines that are not an array', '{"snapshot":{"name":"x","lines":"none"}}'],
    ['lines that are null', '{"snapshot":{"lines":null}}'],
    ['a snapshot that is not an object', '{"snapshot":[{"lines":[]}]}'],
    ['two snapshots', '{"snapshot":{"lines":[]},"snapshot":{"lines":[1]}}'],
    ['the lines twice', '{"snapshot":{"lines":[],"lines":[1]}}'],
    ['an escaped key that may spell lines', '{"snapshot":{"l\\u0069nes":[1],"lines":[]}}'],
    ['the lines array cut off', '{"snapshot":{"name":"x","lines":[{"a":"]"}'],
    ['a string cut off', '{"snapshot":{"lines":["abc'],
    ['bytes after the object', '{"snapshot":{"lines":[]}} {}'],
    ['a top-level array', '[{"snapshot":{"lines":[]}}]'],
    ['a missing colon', '{"snapshot" {"lines":[]}}'],
    ['an empty payload', ''],
  ])('answers undefined for %s, so the whole payload is parsed and validated instead', (_case, json) => {
    expect(withoutSnapshotLines(Buffer.from(json))).toBeUndefined();
  });

  it('checks every field but the lines: a summary missing its total or with a bad export id is refused', () => {
    const summary = withoutLines(acceptedPayload([]));
    const schema = summarySchemaOf(Topics.BudgetSent);
    const sent = { budgetId: 'b-1', projectId: 'p-1', companyId: 'c-1', exportId: 'e-1', sentBy: user, createdBy: user, sentAt: '2026-11-24T09:00:00.000Z', snapshot: summary.snapshot };
    expect(schema.safeParse(sent).success).toBe(true);

    const { total: _total, ...withoutTotal } = summary.snapshot;
    const refused = schema.safeParse({ ...sent, exportId: '', snapshot: withoutTotal });

    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['exportId', 'snapshot.total']);
  });
});
