import type { HeardFact } from '../../src/daily-summary/domain/tracked-export';

/** One heard fact of each kind about export x-1, as the inbox handlers build them from events. */
export const sam = { userId: 'u-sam', name: 'Sam Sender', email: 'sam@example.test' };
export const ana = { userId: 'u-ana', name: 'Ana Project', email: 'ana@example.test' };
export const bob = { userId: 'u-bob', name: 'Bob Approver', email: 'bob@example.test' };
const at = '2026-11-23T10:00:00.000Z';
export const heard = {
  sent: {
    fact: 'sent',
    sent: { eventId: 'e-sent', at, budgetName: 'Tower A', erpSystem: 'cmic', jobNumber: 'J-1', total: '10.00', sentBy: sam, createdBy: ana },
  },
  accepted: { fact: 'accepted', accepted: { eventId: 'e-acc', at, acceptedBy: bob } },
  rejected: { fact: 'rejected', rejected: { eventId: 'e-rej', at, reason: 'Wrong job', rejectedBy: bob, createdBy: ana } },
  failed: {
    fact: 'failed',
    failure: {
      eventId: 'e-fail',
      at,
      source: 'failed',
      reasonCode: 'erp_unavailable',
      message: 'CMiC is down',
      erpSystem: 'cmic',
      jobNumber: 'J-1',
      sentBy: sam,
      acceptedBy: bob,
    },
  },
  timed_out: {
    fact: 'timed_out',
    failure: {
      eventId: 'e-to',
      at,
      source: 'timed_out',
      reasonCode: 'timeout',
      message: 'no answer in time',
      erpSystem: null,
      jobNumber: null,
      sentBy: null,
      acceptedBy: null,
    },
  },
  posted: { fact: 'posted', posted: { eventId: 'e-post', at, erpSystem: 'cmic', jobNumber: 'J-1', total: '10.00', createdBy: ana } },
  retrieved: { fact: 'retrieved' },
  succeeded: { fact: 'succeeded', succeeded: { eventId: 'e-succ', at } },
  superseded: { fact: 'superseded' },
} satisfies Record<HeardFact['fact'], HeardFact>;

export type Fact = keyof typeof heard;
