import { assembleSend, BudgetSentLinesV1, chunkSendLines, linesDigest, MAX_RECORD_BYTES, SEND_LINES_PER_CHUNK, type SnapshotLine } from '../src';

const line = (i: number, description: string | null = null): SnapshotLine => ({
  lineId: `l-${i}`,
  costCode: `01-${String(i).padStart(5, '0')}`,
  costType: 'L',
  subJob: null,
  description,
  amount: `${i}.25`,
  syncedAmount: null,
});
const lines = (n: number, description: string | null = null): SnapshotLine[] => Array.from({ length: n }, (_, i) => line(i, description));

const summaryOf = (all: SnapshotLine[], chunks: SnapshotLine[][]) => ({ chunkCount: chunks.length, lineCount: all.length, linesDigest: linesDigest(all) });

describe('chunkSendLines', () => {
  it('a 2,500-line send goes in three ordered chunks of at most 1,000 lines, in budget order', () => {
    const all = lines(2500);
    const chunks = chunkSendLines(all);
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(chunks.flat()).toEqual(all);
  });

  it('an empty send has one empty chunk', () => {
    expect(chunkSendLines([])).toEqual([[]]);
  });

  it('lines with 2,000-character descriptions are cut by size: every record stays under 1 MiB', () => {
    const all = lines(1000, 'x'.repeat(2000));
    const chunks = chunkSendLines(all);
    expect(chunks.length).toBeGreaterThan(1);
    for (const [chunk, chunkLines] of chunks.entries()) {
      const payload = { budgetId: 'b', projectId: 'p', companyId: 'c', exportId: 'x', chunk, chunkCount: chunks.length, lines: chunkLines };
      expect(BudgetSentLinesV1.safeParse(payload).success).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(MAX_RECORD_BYTES);
    }
    expect(chunks.flat()).toEqual(all);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(SEND_LINES_PER_CHUNK);
  });
});

describe('assembleSend', () => {
  const all = lines(2500);
  const chunks = chunkSendLines(all);
  const summary = summaryOf(all, chunks);

  it('with every chunk, in reverse arrival order, gives the lines in budget order', () => {
    const held = new Map([...chunks.entries()].reverse());
    const result = assembleSend({ summary, chunks: held });
    expect(result).toEqual({ complete: true, lines: all });
  });

  it('with a chunk missing, names it and is not complete', () => {
    const held = new Map([[0, chunks[0]], [2, chunks[2]]]);
    expect(assembleSend({ summary, chunks: held })).toEqual({ complete: false, reason: 'chunks_missing', missingChunks: [1] });
  });

  it('before the summary arrives, is not complete', () => {
    expect(assembleSend({ chunks: new Map(chunks.entries()) })).toMatchObject({ complete: false, reason: 'summary_missing' });
  });

  it('when a line differs from what the digest covers, is not complete (digest mismatch)', () => {
    const tampered = chunks.map((c) => c.slice());
    tampered[1][3] = { ...tampered[1][3], amount: '999.00' };
    expect(assembleSend({ summary, chunks: new Map(tampered.entries()) })).toMatchObject({ complete: false, reason: 'digest_mismatch' });
  });

  it('when the chunks hold another number of lines than the summary says, is not complete', () => {
    expect(assembleSend({ summary: { ...summary, lineCount: 2499 }, chunks: new Map(chunks.entries()) })).toMatchObject({
      complete: false,
      reason: 'line_count_mismatch',
    });
  });
});

describe('linesDigest', () => {
  it('changes when a line changes, and not when the same lines are fed again', () => {
    const all = lines(10);
    expect(linesDigest(all)).toBe(linesDigest(lines(10)));
    expect(linesDigest(all)).not.toBe(linesDigest([...all.slice(0, 9), { ...all[9], description: 'changed' }]));
    expect(linesDigest(all)).not.toBe(linesDigest([...all].reverse()));
  });
});
