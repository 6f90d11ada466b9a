import { ExportAttemptRow, GivenUpHeardRow, landingsAfterGivenUp } from '../src/faults/ledger';

const at = (seconds: number) => new Date(Date.parse('2026-12-06T05:00:00Z') + seconds * 1000);
const attempt = (exportId: string, n: number, startedAt: number, outcome: string | null): ExportAttemptRow => ({ export_id: exportId, attempt: n, started_at: at(startedAt), outcome });
const heard = (exportId: string, fact: string, recordedAt: number): GivenUpHeardRow => ({ export_id: exportId, fact, recorded_at: at(recordedAt) });

describe("the fault matrix ledger's landings of given-up exports", () => {
  it('an export sent by an attempt that started before the connector heard the timeout landed in flight when heard', () => {
    const landings = landingsAfterGivenUp([attempt('e1', 1, 1, 'transient_failure'), attempt('e1', 2, 6.9, 'landed')], [heard('e1', 'timed_out', 7.3)]);
    expect(landings).toEqual([expect.objectContaining({ exportId: 'e1', fact: 'timed_out', inFlightWhenHeard: true })]);
    expect(landings[0].sentBy.attempt).toBe(2);
  });

  it('an export sent by an attempt that started after the connector heard the timeout was sent after heard', () => {
    const landings = landingsAfterGivenUp([attempt('e2', 1, 1, 'transient_failure'), attempt('e2', 2, 8, 'landed')], [heard('e2', 'timed_out', 7.3)]);
    expect(landings).toEqual([expect.objectContaining({ exportId: 'e2', inFlightWhenHeard: false })]);
  });

  it('an export a verify-only attempt found in the ERP was sent by an earlier attempt: in flight when heard if the first attempt started before, sent after heard otherwise', () => {
    const found = landingsAfterGivenUp([attempt('e3', 1, 1, 'transient_failure'), attempt('e3', 2, 9, 'found_in_erp')], [heard('e3', 'timed_out', 7.3)]);
    expect(found).toEqual([expect.objectContaining({ exportId: 'e3', inFlightWhenHeard: true })]);
    expect(found[0].sentBy.attempt).toBe(1);
    const late = landingsAfterGivenUp([attempt('e4', 1, 8, 'transient_failure'), attempt('e4', 2, 9, 'found_in_erp')], [heard('e4', 'timed_out', 7.3)]);
    expect(late).toEqual([expect.objectContaining({ exportId: 'e4', inFlightWhenHeard: false })]);
  });

  it('the first of several given-up facts is when the connector heard it', () => {
    const landings = landingsAfterGivenUp([attempt('e5', 1, 5, 'landed')], [heard('e5', 'rejected', 9), heard('e5', 'timed_out', 4)]);
    expect(landings).toEqual([expect.objectContaining({ fact: 'timed_out', inFlightWhenHeard: false })]);
  });

  it('given-up exports that were cancelled or only asked for, and landings never given up, are no landings after a give-up', () => {
    const landings = landingsAfterGivenUp(
      [attempt('e6', 1, 1, 'transient_failure'), attempt('e6', 2, 8, 'not_in_erp'), attempt('e7', 1, 1, 'landed')],
      [heard('e6', 'timed_out', 7), heard('e8', 'timed_out', 7)],
    );
    expect(landings).toEqual([]);
  });
});
