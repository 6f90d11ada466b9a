import { ERP_SYSTEMS, type ErpSystem } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { accepted, person, tokenFor, World, type Send } from './support/world';

/**
 * An export the platform gave up while its ERP was down (timed out, rejected, then the budget fixed
 * and sent again) never reaches the ERP when it comes back: the ERP ends with exactly one export,
 * the new one. One that had already landed before the platform gave it up is recorded and
 * published, never dropped.
 */
const SYSTEMS = ERP_SYSTEMS.map((system) => system.id);
const company = (system: ErpSystem) => `co-superseded-${system}`;
let world: World;

beforeAll(async () => {
  // Enough attempts that the first export is still retrying when the platform gives it up, and
  // retries slow enough (1-2 s first) that a test can take the ERP down between two attempts.
  world = await World.start('erp_connector_superseded', { EXPORT_MAX_ATTEMPTS: '1000', EXPORT_RETRY_BASE_MS: '2000', EXPORT_RETRY_MAX_MS: '2000', BREAKER_THRESHOLD: '1000' });
  for (const system of SYSTEMS) expect((await world.http('PUT', '/erp/connection', tokenFor(company(system)), { system })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const simJob = (system: ErpSystem, jobNumber: string) =>
  world.simControl<{ exports: { idempotencyKey: string; lines: { costCode: string; amount: string }[] }[] }>('GET', `/_sim/${system}/jobs/${jobNumber}?companyId=${company(system)}`);

/** What the budget and approval services publish when the saga times the export out and the approver rejects it. */
async function timeOutAndReject(send: Send): Promise<void> {
  const base = { budgetId: send.budgetId, projectId: send.summary.projectId, companyId: send.companyId, exportId: send.exportId };
  await world.publish('budget.export.timed_out', { ...base, reasonCode: 'timeout', message: 'No answer from the ERP in time', timedOutAt: new Date().toISOString() }, send.budgetId, send.companyId);
  await world.publish(
    'budget.rejected',
    { ...base, reason: 'Wrong cost code, fix and re-send', rejectedBy: person('Alex'), rejectedAt: new Date().toISOString(), sentBy: person('Pat'), createdBy: person('Pat'), afterFailedExport: true },
    send.budgetId,
    send.companyId,
  );
}

const attemptsOf = async (exportId: string) => (await world.dbQuery<{ attempts: number }>('SELECT attempts FROM erp_exports WHERE export_id = $1', [exportId]))[0]?.attempts ?? 0;
const statusOf = async (exportId: string) => (await world.dbQuery<{ status: string }>('SELECT status FROM erp_exports WHERE export_id = $1', [exportId]))[0]?.status;

describe.each(SYSTEMS)('%s', (system) => {
  it('send → accept → ERP down → timeout → reject → fix → re-send → accept → ERP back: the ERP holds exactly one export, the re-sent one; the first is cancelled and never sent again', async () => {
    const jobNumber = 'SUP-1';
    await world.simControl('POST', '/_sim/jobs', { system, companyId: company(system), jobNumber, costCodes: ['01-100', '02-200'] });
    await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'down' });
    try {
      const first = accepted({ companyId: company(system), system, jobNumber, lines: [{ costCode: '01-100', amount: '1000.00' }], sentAt: new Date(Date.now() - 60_000).toISOString() });
      await world.requestExport(first);
      await waitFor(async () => (await attemptsOf(first.exportId)) >= 2, { description: `the first ${system} export failing against the down ERP` });

      await timeOutAndReject(first);
      const fixed = accepted({ companyId: company(system), system, jobNumber, budgetId: first.budgetId, lines: [{ costCode: '02-200', amount: '1000.00' }] });
      await world.requestExport(fixed);
      // The re-sent export is recorded once its send, chunks and acceptance are in; by then the first is superseded.
      await waitFor(async () => (await statusOf(fixed.exportId)) !== undefined, { description: 'the re-sent export recorded' });
    } finally {
      await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'ok' });
    }

    const job = await waitFor(async () => {
      const now = await simJob(system, jobNumber);
      return now.exports.length >= 1 ? now : undefined;
    }, { description: `the re-sent export in ${system}` });
    const wireMark = world.wire.length; // nothing more is expected for the first export from here on
    await waitFor(async () => ((await world.dbQuery<{ status: string }>(`SELECT status FROM erp_exports WHERE company_id = $1 AND status = 'cancelled'`, [company(system)])).length === 1 ? true : undefined), {
      description: 'the first export cancelled',
    });
    const cancelled = (await world.dbQuery<{ export_id: string }>(`SELECT export_id FROM erp_exports WHERE company_id = $1 AND status = 'cancelled'`, [company(system)]))[0].export_id;

    expect((await simJob(system, jobNumber)).exports.map((e) => e.lines.map((l) => [l.costCode, l.amount]))).toEqual([[['02-200', '1000.00']]]);
    expect(job.exports).toHaveLength(1);
    expect(world.wire.slice(wireMark).filter((m) => m.value.exportId === cancelled)).toEqual([]);
    expect(world.wire.filter((m) => m.topic === 'export.succeeded' && m.value.exportId === cancelled)).toEqual([]);
    const view = await world.http('GET', `/erp/exports/${cancelled}`, tokenFor(company(system), 'read_only'));
    expect(view.body).toMatchObject({
      status: 'cancelled',
      cancelled: { reason: 'superseded' },
      lifecycle: { status: 'superseded', landedAfterGivenUp: false, facts: ['accepted', 'rejected', 'sent', 'superseded', 'timed_out'] },
    });
    // Every attempt that went out met the down ERP; the one after it came back only asked whether it held the export.
    const attempts = view.body.attempts as { outcome: string }[];
    expect(attempts.slice(0, -1).every((a) => a.outcome === 'transient_failure')).toBe(true);
    expect(attempts.at(-1)?.outcome).toBe('not_in_erp');
  });

  it('an export that landed although its reply was lost, then was given up and re-sent, is recorded as landed and published, beside the re-sent one', async () => {
    const jobNumber = 'SUP-2';
    await world.simControl('POST', '/_sim/jobs', { system, companyId: company(system), jobNumber, costCodes: ['01-100'] });
    await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'lost_reply', count: 1 });
    const first = accepted({ companyId: company(system), system, jobNumber, lines: [{ costCode: '01-100', amount: '40.00' }], sentAt: new Date(Date.now() - 60_000).toISOString() });
    await world.requestExport(first);
    await waitFor(async () => (await attemptsOf(first.exportId)) >= 1 && world.sim.state.fault(system).mode === 'ok', { description: 'the first attempt applied, its reply lost' });
    // The ERP then goes down, so the platform gives the export up before anyone asks the ERP again.
    await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'down' });
    try {
      await timeOutAndReject(first);
      const fixed = accepted({ companyId: company(system), system, jobNumber, budgetId: first.budgetId, lines: [{ costCode: '01-100', amount: '45.00' }] });
      await world.requestExport(fixed);
      await waitFor(async () => (await statusOf(fixed.exportId)) !== undefined, { description: 'the re-sent export recorded' });
    } finally {
      await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'ok' });
    }

    const landed = await world.waitForWire('export.succeeded', (m) => m.value.exportId === first.exportId, 20_000);
    expect(landed.value).toMatchObject({ erpSystem: system, total: '40.00' });
    const view = await world.http('GET', `/erp/exports/${first.exportId}`, tokenFor(company(system), 'read_only'));
    expect(view.body).toMatchObject({ status: 'succeeded', lifecycle: { status: 'awaiting_posting', landedAfterGivenUp: true } });
    expect((view.body.attempts as { outcome: string }[]).at(-1)?.outcome).toBe('found_in_erp');
    expect((await simJob(system, jobNumber)).exports.filter((e) => e.idempotencyKey === first.exportId)).toHaveLength(1);
  });
});

it.each([
  ['rejected', 'budget.rejected'],
  ['retrieved', 'budget.retrieved'],
  ['timed out', 'budget.export.timed_out'],
] as const)('an export %s before its acceptance and last chunk are heard is never recorded nor sent', async (_given, topic) => {
  const system = 'cmic';
  const jobNumber = `EARLY-${topic}`;
  await world.simControl('POST', '/_sim/jobs', { system, companyId: company(system), jobNumber, costCodes: ['01-100'] });
  const send = accepted({ companyId: company(system), system, jobNumber, lines: Array.from({ length: 1500 }, (_, i) => ({ costCode: '01-100', amount: `${i + 1}.00` })) });
  const base = { budgetId: send.budgetId, projectId: send.summary.projectId, companyId: send.companyId, exportId: send.exportId };
  await world.publish('budget.sent', send.summary, send.budgetId, send.companyId);
  await world.publish('budget.sent.lines', send.chunks[0], send.budgetId, send.companyId);
  if (topic === 'budget.rejected') {
    await world.publish(topic, { ...base, reason: 'No', rejectedBy: person('Alex'), rejectedAt: new Date().toISOString(), sentBy: person('Pat'), createdBy: person('Pat'), afterFailedExport: false }, send.budgetId, send.companyId);
  } else if (topic === 'budget.retrieved') {
    await world.publish(topic, { ...base, retrievedBy: person('Pat'), retrievedAt: new Date().toISOString() }, send.budgetId, send.companyId);
  } else {
    await world.publish(topic, { ...base, reasonCode: 'timeout', message: 'No answer in time', timedOutAt: new Date().toISOString() }, send.budgetId, send.companyId);
  }
  // Topics keep no order between them: the given-up fact is heard first only once it is recorded.
  await waitFor(async () => ((await world.dbQuery('SELECT 1 FROM erp_export_facts WHERE export_id = $1', [send.exportId])).length === 2 ? true : undefined), {
    description: 'sent and the given-up fact recorded',
  });
  await world.publishAcceptance(send);
  await world.publish('budget.sent.lines', send.chunks[1], send.budgetId, send.companyId);
  await waitFor(async () => ((await world.dbQuery('SELECT 1 FROM erp_send_chunks WHERE export_id = $1', [send.exportId])).length === 2 ? true : undefined), {
    description: 'both chunks stored',
  });
  await waitFor(async () => ((await world.dbQuery('SELECT 1 FROM erp_export_facts WHERE export_id = $1', [send.exportId])).length === 3 ? true : undefined), {
    description: 'sent, the given-up fact and accepted recorded',
  });
  // The export row would have been written in the transaction that recorded the last of these.
  expect(await world.dbQuery('SELECT 1 FROM erp_exports WHERE export_id = $1', [send.exportId])).toEqual([]);
  expect((await simJob(system, jobNumber)).exports).toEqual([]);
});
