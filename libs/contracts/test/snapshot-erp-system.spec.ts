import { snapshotErpSystemIn } from '../src';

const raw = (text: string) => Buffer.from(text, 'utf8');
const accepted = (erpSystem: string, extra: Record<string, unknown> = {}) => ({
  budgetId: 'b1',
  description: null,
  acceptedBy: { userId: 'u1', name: 'Ann', email: 'ann@example.com' },
  snapshot: { name: 'Tower', kind: 'original', erpSystem, jobNumber: 'J-1', lines: [{ lineId: 'l1', description: 'Concrete', amount: '10.00' }], total: '10.00' },
  ...extra,
});

describe('reading the ERP system of a budget.accepted from its raw JSON', () => {
  it('reads snapshot.erpSystem as JSON.stringify writes it', () => {
    expect(snapshotErpSystemIn(raw(JSON.stringify(accepted('sage300cre'))))).toBe('sage300cre');
  });

  it('reads it with the spacing PostgreSQL jsonb text output uses, and with newlines', () => {
    expect(snapshotErpSystemIn(raw('{"budgetId": "b1", "snapshot": {"erpSystem": "quickbooks", "lines": []}}'))).toBe('quickbooks');
    expect(snapshotErpSystemIn(raw(JSON.stringify(accepted('cmic'), null, 2)))).toBe('cmic');
  });

  it('ignores the words in string values: a description "erpSystem", or one quoting the key with escaped quotes', () => {
    const tricky = accepted('cmic', { description: 'erpSystem', note: '"erpSystem": "quickbooks"' });
    (tricky.snapshot.lines[0] as { description: string }).description = 'x"erpSystem":"sage300cre"';
    expect(snapshotErpSystemIn(raw(JSON.stringify(tricky)))).toBe('cmic');
  });

  it('cannot tell (undefined) when the key is missing, named twice differently, or its value is not a plain string', () => {
    expect(snapshotErpSystemIn(raw(JSON.stringify({ budgetId: 'b1', snapshot: { lines: [] } })))).toBeUndefined();
    expect(snapshotErpSystemIn(raw('{"snapshot": {"erpSystem": "cmic"}, "other": {"erpSystem": "sage300cre"}}'))).toBeUndefined();
    expect(snapshotErpSystemIn(raw('{"snapshot": {"erpSystem": null}}'))).toBeUndefined();
    expect(snapshotErpSystemIn(raw('{"snapshot": {"erpSystem": "cm\\u0069c"}}'))).toBeUndefined();
    expect(snapshotErpSystemIn(raw('{"snapshot": {"erpSystem": "cmic'))).toBeUndefined();
    expect(snapshotErpSystemIn(raw('not json at all'))).toBeUndefined();
  });

  it('agrees with JSON.parse on a 50,000-line payload', () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => ({ lineId: `l${i}`, costCode: '01-100', description: `Line ${i} "erpSystem"`, amount: '1.25' }));
    const payload = { ...accepted('sage300cre'), snapshot: { ...accepted('sage300cre').snapshot, lines } };
    const text = JSON.stringify(payload);
    expect(snapshotErpSystemIn(raw(text))).toBe((JSON.parse(text) as typeof payload).snapshot.erpSystem);
  });
});
