import { type Fact, ana, bob, heard, sam } from '../../../test/support/heard-facts';
import { type TrackedExport, evolve, newTrackedExport } from '../../daily-summary/domain/tracked-export';
import { exportMailsDue, exportMailsNewlyDue } from './export-mails';

const replay = (facts: Fact[]): TrackedExport => facts.reduce((state, fact) => evolve(state, heard[fact]), newTrackedExport('x-1', 'co-1', 'b-1'));

/** Every mail told while the facts arrive one by one, in that order. */
function toldAlongTheWay(facts: Fact[]) {
  let state = newTrackedExport('x-1', 'co-1', 'b-1');
  const told = [];
  for (const fact of facts) {
    const next = evolve(state, heard[fact]);
    told.push(...exportMailsNewlyDue(state, next));
    state = next;
  }
  return told;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('mails about an export', () => {
  it('when the acceptance is heard before the send, waits for the send and then tells the creator, with the sent budget’s name and total', () => {
    expect(exportMailsDue(replay(['accepted']))).toEqual([]);

    const [mail] = exportMailsDue(replay(['accepted', 'sent']));

    expect(mail).toMatchObject({
      type: 'budget_accepted',
      eventId: 'e-acc',
      budgetName: 'Tower A',
      erpSystem: 'cmic',
      jobNumber: 'J-1',
      total: '10.00',
      acceptedBy: bob,
      createdBy: ana,
    });
  });

  it.each([['rejected'], ['failed'], ['posted']] as Array<[Fact]>)('when %s is heard before the send, tells nobody until the send is heard', (fact) => {
    expect(exportMailsDue(replay([fact]))).toEqual([]);
    expect(exportMailsDue(replay([fact, 'sent']))).toHaveLength(1);
  });

  it('when the saga times out, tells the sender and the approver once both the send and the acceptance are heard', () => {
    expect(exportMailsDue(replay(['sent', 'timed_out']))).toEqual([]);

    const failures = exportMailsDue(replay(['timed_out', 'sent', 'accepted'])).filter((m) => m.type === 'export_failed');

    expect(failures).toEqual([
      expect.objectContaining({ reasonCode: 'timeout', erpSystem: 'cmic', jobNumber: 'J-1', sentBy: sam, acceptedBy: bob }),
    ]);
  });

  it('a retrieved or superseded export tells nothing of its own', () => {
    expect(exportMailsDue(replay(['sent', 'retrieved', 'superseded']))).toEqual([]);
  });

  it.each([
    [['sent', 'accepted', 'timed_out', 'succeeded']],
    [['succeeded', 'rejected', 'accepted', 'sent']],
    [['sent', 'accepted', 'retrieved', 'superseded', 'posted']],
  ] as Array<[Fact[]]>)(
    'when an export the platform had given up on lands anyway (%j), tells the sender and the approver that the ERP holds it',
    (facts) => {
      const landed = exportMailsDue(replay(facts)).filter((m) => m.type === 'export_landed_late');

      expect(landed).toEqual([expect.objectContaining({ sentBy: sam, acceptedBy: bob, budgetName: 'Tower A', total: '10.00' })]);
    },
  );

  it.each([
    [['sent', 'accepted', 'succeeded', 'posted', 'superseded']],
    [['sent', 'accepted', 'timed_out', 'superseded']],
  ] as Array<[Fact[]]>)('when no export landed after being given up (%j), tells no late landing', (facts) => {
    expect(exportMailsDue(replay(facts)).map((m) => m.type)).not.toContain('export_landed_late');
  });

  it.each(permutations<Fact>(['sent', 'accepted', 'rejected', 'timed_out', 'posted']).map((order) => [order.join(' → '), order]))(
    'in the order %s, with every fact heard twice, tells each mail exactly once with the same words',
    (_name, order) => {
      const twice = [...order, ...order];
      const expected = exportMailsDue(replay(['sent', 'accepted', 'rejected', 'timed_out', 'posted']));

      const told = toldAlongTheWay(twice);

      expect(told.map((m) => m.type).sort()).toEqual(['budget_accepted', 'budget_rejected', 'erp_posted', 'export_failed', 'export_landed_late']);
      expect([...told].sort((a, b) => a.type.localeCompare(b.type))).toEqual([...expected].sort((a, b) => a.type.localeCompare(b.type)));
    },
  );
});
