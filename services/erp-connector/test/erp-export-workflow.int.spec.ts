import { ERP_SYSTEM_IDS, type ErpSystem } from '@budget-erp/contracts';
import { waitFor } from '@budget-erp/testing';
import { accepted, tokenFor, World } from './support/world';

/**
 * The connector against the ERP simulator, real PostgreSQL and the dev broker: each ERP's exports,
 * posting, faults and re-import, and the credentials canary that must never leave the service.
 */
const CANARY = 'canary-Pa55-7f3e1d9c';
/** Every ERP of the registry gets the same workflow. */
const SYSTEMS = ERP_SYSTEM_IDS;
type System = ErpSystem;
const company = (system: System) => `co-${system}`;

let world: World;
const tokens: Partial<Record<System, string>> = {};
const simJob = (system: System, job: string) =>
  world.simControl<{ exports: { idempotencyKey: string; lines: { costCode: string; amount: string; subJob: string | null }[]; revision: Record<string, unknown> | null }[]; budget: unknown[] }>(
    'GET',
    `/_sim/${system}/jobs/${job}?companyId=${company(system)}`,
  );
const createJob = (system: System, jobNumber: string) =>
  world.simControl('POST', '/_sim/jobs', {
    system,
    companyId: company(system),
    jobNumber,
    name: `Job ${jobNumber}`,
    costCodes: [
      { code: '01-100', description: 'Concrete' },
      { code: '02-200', description: 'Framing' },
    ],
    subJobs: system === 'quickbooks' ? [] : ['SJ1'],
  });

beforeAll(async () => {
  world = await World.start('erp_connector_flow');
  for (const system of SYSTEMS) {
    tokens[system] = await tokenFor(company(system));
    const res = await world.http('PUT', '/erp/connection', tokens[system]!, {
      system,
      settings: { credentials: { username: 'integration', password: CANARY, accessToken: CANARY } },
    });
    expect(res.status).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

describe.each(SYSTEMS)('%s', (system) => {
  it('linking a project reads the job cost codes and sub-job support from the ERP and publishes erp.project.linked', async () => {
    await createJob(system, 'L-1');
    const res = await world.http('POST', '/erp/projects/p-L-1/link', tokens[system]!, { jobNumber: 'L-1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jobNumber: 'L-1', supportsSubJobs: system !== 'quickbooks', costCodes: [{ code: '01-100', description: 'Concrete' }, { code: '02-200', description: 'Framing' }] });
    const linked = await world.waitForWire('erp.project.linked', (m) => m.value.companyId === company(system));
    expect(linked.value).toMatchObject({ projectId: 'p-L-1', erpSystem: system, jobNumber: 'L-1', subJobs: system === 'quickbooks' ? [] : ['SJ1'] });
  });

  it('an original export and then a revision land with the right lines, and posting each produces erp.posted', async () => {
    await createJob(system, 'E-1');
    const original = accepted({ companyId: company(system), system, jobNumber: 'E-1', lines: [{ costCode: '01-100', amount: '1250.00' }, { costCode: '02-200', amount: '300.50' }] });
    await world.requestExport(original);
    const succeeded = await world.waitForWire('export.succeeded', (m) => m.value.exportId === original.exportId);
    expect(succeeded.value).toMatchObject({ erpSystem: system, jobNumber: 'E-1', kind: 'original', total: '1550.50' });
    expect(succeeded.key).toBe(original.budgetId);

    let job = await simJob(system, 'E-1');
    expect(job.exports).toHaveLength(1);
    expect(job.exports[0].lines.map((l) => [l.costCode, l.amount])).toEqual([
      ['01-100', '1250.00'],
      ['02-200', '300.50'],
    ]);

    const postedAt = Date.now();
    await world.simControl('POST', `/_sim/${system}/jobs/E-1/post-entries?companyId=${company(system)}`);
    const posted = await world.waitForWire('erp.posted', (m) => m.value.exportId === original.exportId);
    expect(posted.value).toMatchObject({ erpSystem: system, jobNumber: 'E-1', total: '1550.50' });
    expect(Date.now() - postedAt).toBeLessThan(5_000);

    const revisionFields = { type: 'budget_transfer' as const, date: '2026-11-20', number: 2, status: 'approved' as const, approvedBy: 'Alex Approver' };
    const revision = accepted({
      companyId: company(system),
      system,
      jobNumber: 'E-1',
      kind: 'revision',
      budgetId: original.budgetId,
      revision: revisionFields,
      lines: [
        { costCode: '01-100', amount: '1000.00', syncedAmount: '1250.00' },
        { costCode: '02-200', amount: '550.50', syncedAmount: '300.50' },
      ],
    });
    await world.requestExport(revision);
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === revision.exportId);
    job = await simJob(system, 'E-1');
    expect(job.exports).toHaveLength(2);
    expect(job.exports[1].lines.map((l) => [l.costCode, l.amount])).toEqual([
      ['01-100', '-250.00'],
      ['02-200', '250.00'],
    ]);
    if (system === 'cmic') expect(job.exports[1].revision).toEqual(revisionFields);
    await world.simControl('POST', `/_sim/${system}/jobs/E-1/post-entries?companyId=${company(system)}`);
    await world.waitForWire('erp.posted', (m) => m.value.exportId === revision.exportId);
    // The revision follows the posted original; it does not supersede it.
    const originalView = await world.http('GET', `/erp/exports/${original.exportId}`, tokens[system]!);
    expect(originalView.body).toMatchObject({ status: 'posted', lifecycle: { status: 'synced', landedAfterGivenUp: false, facts: ['accepted', 'posted', 'sent', 'succeeded'] } });
  });

  it('a timeout whose request was in fact applied does not create a second budget in the ERP', async () => {
    await createJob(system, 'T-1');
    await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'lost_reply', count: 1 });
    const event = accepted({ companyId: company(system), system, jobNumber: 'T-1', lines: [{ costCode: '01-100', amount: '10.00' }] });
    await world.requestExport(event);
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId);
    expect((await simJob(system, 'T-1')).exports).toHaveLength(1);
    const status = await world.http('GET', `/erp/exports/${event.exportId}`, tokens[system]!);
    expect(status.body).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, errorCode: 'timeout' }, { attempt: 2, outcome: 'found_in_erp' }] });
  });

  it('five 500s then success exports once', async () => {
    await createJob(system, 'F-1');
    await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'error500', count: 5 });
    const event = accepted({ companyId: company(system), system, jobNumber: 'F-1', lines: [{ costCode: '02-200', amount: '99.99' }] });
    await world.requestExport(event);
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId);
    expect((await simJob(system, 'F-1')).exports).toHaveLength(1);
  });

  it('a validation rejection publishes export.failed with the ERP reason', async () => {
    await createJob(system, 'V-1');
    await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'reject', count: 1 });
    const event = accepted({ companyId: company(system), system, jobNumber: 'V-1', lines: [{ costCode: '01-100', amount: '5.00' }] });
    await world.requestExport(event);
    const failed = await world.waitForWire('export.failed', (m) => m.value.exportId === event.exportId);
    expect(failed.value).toMatchObject({ reasonCode: 'validation_rejected', attempts: 1 });
    expect(String(failed.value.message)).toMatch(/closed|inactive/);
    expect((await simJob(system, 'V-1')).exports).toHaveLength(0);
  });

  it('re-import brings the ERP amounts (lines above $0 only)', async () => {
    await createJob(system, 'R-1');
    await world.simControl('PUT', `/_sim/${system}/jobs/R-1/budget?companyId=${company(system)}`, {
      lines: [
        { costCode: '01-100', amount: '777.70' },
        { costCode: '02-200', amount: '0.00' },
      ],
    });
    await world.publish(
      'budget.import.requested',
      { budgetId: `b-r-${system}`, projectId: 'p-R-1', companyId: company(system), importId: `i-${system}`, erpSystem: system, jobNumber: 'R-1', requestedBy: { userId: 'u', name: 'Pat', email: '' }, requestedAt: new Date().toISOString() },
      `b-r-${system}`,
      company(system),
    );
    const imported = await world.waitForWire('erp.budget.imported', (m) => m.value.importId === `i-${system}`);
    expect(imported.value).toMatchObject({ mode: 'reimport', total: '777.70', lines: [{ costCode: '01-100', amount: '777.70' }] });
  });
});

it('a budget.accepted is applied once, in the connector\'s one consumer group, whichever ERP it is for', async () => {
  await createJob('sage300cre', 'G-1');
  const event = accepted({ companyId: company('sage300cre'), system: 'sage300cre', jobNumber: 'G-1', lines: [{ costCode: '01-100', amount: '10.00' }] });
  await world.publishSend(event);
  const eventId = await world.publishAcceptance(event);
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId);
  const rows = await world.dbQuery<{ consumer_group: string }>(`SELECT consumer_group FROM inbox_messages WHERE message_id = $1`, [eventId]);
  expect(rows.map((r) => r.consumer_group)).toEqual(['erp-connector']);
});

it('a 2,500-line send heard in any order (chunks backwards, the acceptance, the summary last) exports every line in budget order once it is whole, and posting checks leave its stored chunks as they came', async () => {
  await createJob('cmic', 'PC-1');
  const lines = Array.from({ length: 2500 }, (_, i) => ({ costCode: i % 2 ? '01-100' : '02-200', amount: `${i + 1}.25` }));
  const request = accepted({ companyId: company('cmic'), system: 'cmic', jobNumber: 'PC-1', lines });
  expect(request.chunks).toHaveLength(3);
  for (const chunk of [...request.chunks].reverse()) await world.publish('budget.sent.lines', chunk, request.budgetId, request.companyId);
  await world.publishAcceptance(request);
  await waitFor(async () => (await world.dbQuery('SELECT 1 FROM erp_export_facts WHERE export_id = $1 AND fact = $2', [request.exportId, 'accepted'])).length === 1, {
    description: 'the acceptance recorded',
  });
  expect(await world.dbQuery('SELECT 1 FROM erp_exports WHERE export_id = $1', [request.exportId])).toEqual([]);
  await world.publish('budget.sent', request.summary, request.budgetId, request.companyId);
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === request.exportId);

  const exported = (await simJob('cmic', 'PC-1')).exports;
  expect(exported).toHaveLength(1);
  expect(exported[0].lines.map((l) => l.amount)).toEqual(lines.map((l) => l.amount));
  const stored = () =>
    world.dbQuery<{ status: string; chunks: number; lines: number }>(
      `SELECT e.status, (SELECT count(*)::int FROM erp_send_chunks c WHERE c.export_id = e.export_id) AS chunks,
              (SELECT sum(jsonb_array_length(c.lines))::int FROM erp_send_chunks c WHERE c.export_id = e.export_id) AS lines
         FROM erp_exports e WHERE e.export_id = $1`,
      [request.exportId],
    );
  await waitFor(async () => ((await world.dbQuery<{ n: number }>('SELECT posting_checks AS n FROM erp_exports WHERE export_id = $1', [request.exportId]))[0]?.n ?? 0) >= 2, {
    timeoutMs: 10_000,
    description: 'two posting checks that see nothing posted yet',
  });
  expect(await stored()).toEqual([{ status: 'succeeded', chunks: 3, lines: 2500 }]);
  await world.simControl('POST', `/_sim/cmic/jobs/PC-1/post-entries?companyId=${company('cmic')}`);
  const posted = await world.waitForWire('erp.posted', (m) => m.value.exportId === request.exportId);
  expect(posted.value).toMatchObject({ jobNumber: 'PC-1', total: request.summary.total });
  expect(await stored()).toEqual([{ status: 'posted', chunks: 3, lines: 2500 }]);
});

it('budget.accepted redelivered as a new event for the same export still exports once', async () => {
  await createJob('sage300cre', 'Z-1');
  const event = accepted({ companyId: company('sage300cre'), system: 'sage300cre', jobNumber: 'Z-1', lines: [{ costCode: '01-100', amount: '8.00' }] });
  await world.requestExport(event);
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId);
  await world.publishAcceptance(event);
  const later = accepted({ companyId: company('sage300cre'), system: 'sage300cre', jobNumber: 'Z-1', lines: [{ costCode: '01-100', amount: '1.00' }] });
  await world.requestExport(later);
  await world.waitForWire('export.succeeded', (m) => m.value.exportId === later.exportId);
  expect((await simJob('sage300cre', 'Z-1')).exports.map((e) => e.idempotencyKey)).toEqual([event.exportId, later.exportId]);
  expect(world.wire.filter((m) => m.topic === 'export.succeeded' && m.value.exportId === event.exportId)).toHaveLength(1);
});

it('QuickBooks refuses sub jobs with a clear reason, without calling the ERP', async () => {
  await createJob('quickbooks', 'S-1');
  const event = accepted({ companyId: company('quickbooks'), system: 'quickbooks', jobNumber: 'S-1', lines: [{ costCode: '01-100', subJob: 'SJ1', amount: '5.00' }] });
  await world.requestExport(event);
  const failed = await world.waitForWire('export.failed', (m) => m.value.exportId === event.exportId);
  expect(failed.value).toMatchObject({ reasonCode: 'sub_jobs_not_supported', message: 'QuickBooks Online has no sub jobs; remove the sub job from these lines: 01-100 (sub job SJ1)' });
  expect((await simJob('quickbooks', 'S-1')).exports).toHaveLength(0);
});

it('QuickBooks with its estimates feature turned off fails the export with estimates_disabled, naming the setting', async () => {
  await createJob('quickbooks', 'N-1');
  await world.simControl('PUT', `/_sim/quickbooks/companies/${company('quickbooks')}/preferences`, { estimatesEnabled: false });
  try {
    const event = accepted({ companyId: company('quickbooks'), system: 'quickbooks', jobNumber: 'N-1', lines: [{ costCode: '01-100', amount: '5.00' }] });
    await world.requestExport(event);
    const failed = await world.waitForWire('export.failed', (m) => m.value.exportId === event.exportId);
    expect(failed.value).toMatchObject({ reasonCode: 'estimates_disabled', message: expect.stringContaining('Account and Settings → Sales') });
    expect((await simJob('quickbooks', 'N-1')).exports).toHaveLength(0);

    expect((await world.http('POST', '/erp/projects/p-N-1/link', tokens.quickbooks!, { jobNumber: 'N-1' })).status).toBe(200);
    const updated = await world.waitForWire('erp.connection.updated', (m) => m.value.companyId === company('quickbooks') && m.value.estimatesEnabled === false);
    expect(updated.value).toMatchObject({ erpSystem: 'quickbooks' });
  } finally {
    await world.simControl('PUT', `/_sim/quickbooks/companies/${company('quickbooks')}/preferences`, { estimatesEnabled: true });
  }
});

it('with QuickBooks down, CMiC exports still complete on time', async () => {
  await createJob('quickbooks', 'D-1');
  await createJob('cmic', 'D-1');
  await world.simControl('PUT', '/_sim/quickbooks/faults', { mode: 'timeout' });
  try {
    const stuck = [1, 2, 3].map(() => accepted({ companyId: company('quickbooks'), system: 'quickbooks', jobNumber: 'D-1', lines: [{ costCode: '01-100', amount: '1.00' }] }));
    for (const e of stuck) await world.requestExport(e);
    await waitFor(async () => (await world.dbQuery(`SELECT 1 FROM erp_exports WHERE system = 'quickbooks' AND attempts > 0`)).length > 0);

    const started = Date.now();
    const cmic = accepted({ companyId: company('cmic'), system: 'cmic', jobNumber: 'D-1', lines: [{ costCode: '01-100', amount: '42.00' }] });
    await world.requestExport(cmic);
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === cmic.exportId, 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(world.wire.some((m) => m.topic === 'export.succeeded' && stuck.some((s) => s.exportId === m.value.exportId))).toBe(false);
  } finally {
    await world.simControl('PUT', '/_sim/quickbooks/faults', { mode: 'ok' });
  }
});

describe('HTTP API', () => {
  it('PUT /erp/connection with bad input answers 400 naming every bad field', async () => {
    const res = await world.http('PUT', '/erp/connection', tokens.cmic!, { system: 'sap', settings: { timeZone: 'Mars/Base', extra: 1 } });
    expect(res.status).toBe(400);
    const paths = (res.body.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['system', 'settings.timeZone']));
    expect(paths.some((p) => p.startsWith('settings'))).toBe(true);
  });

  it('answers the connection without its credentials, and refuses a read-only user with 403', async () => {
    const res = await world.http('PUT', '/erp/connection', tokens.sage300cre!, { system: 'sage300cre', settings: { timeZone: 'America/Chicago' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ system: 'sage300cre', timeZone: 'America/Chicago', hasCredentials: true });
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
    const readOnly = tokenFor(company('sage300cre'), 'read_only');
    expect((await world.http('PUT', '/erp/connection', readOnly, { system: 'sage300cre' })).status).toBe(403);
  });

  it('linking without an ERP connection is refused with 409, an unknown ERP job with 404', async () => {
    const res = await world.http('POST', '/erp/projects/p-x/link', tokenFor('co-unconnected'), { jobNumber: 'L-1' });
    expect(res).toMatchObject({ status: 409, body: { code: 'ERP.CONNECTION_MISSING' } });
    const missing = await world.http('POST', '/erp/projects/p-x/link', tokens.cmic!, { jobNumber: 'NO-SUCH-JOB' });
    expect(missing).toMatchObject({ status: 404, body: { code: 'ERP.JOB_NOT_FOUND', message: 'Job NO-SUCH-JOB was not found in CMiC' } });
  });

  it('initial import of a linked project publishes the ERP lines above $0; an unlinked project is refused', async () => {
    await createJob('cmic', 'I-1');
    await world.simControl('PUT', `/_sim/cmic/jobs/I-1/budget?companyId=${company('cmic')}`, { lines: [{ costCode: '02-200', costType: 'M', amount: '12.34' }] });
    expect((await world.http('POST', '/erp/projects/p-I-1/link', tokens.cmic!, { jobNumber: 'I-1' })).status).toBe(200);
    const res = await world.http('POST', '/erp/projects/p-I-1/import', tokens.cmic!, { mode: 'keep_and_add' });
    expect(res).toMatchObject({ status: 202, body: { status: 'imported', total: '12.34' } });
    const imported = await world.waitForWire('erp.budget.imported', (m) => m.value.importId === res.body.importId);
    expect(imported.value).toMatchObject({ budgetId: null, projectId: 'p-I-1', mode: 'initial_keep_and_add', lines: [{ costCode: '02-200', costType: 'M', amount: '12.34' }] });
    expect((await world.http('POST', '/erp/projects/p-unlinked/import', tokens.cmic!, {})).body).toMatchObject({ statusCode: 409, code: 'ERP.PROJECT_NOT_LINKED' });
  });

  it("another company's export answers 404, exactly like a missing one", async () => {
    const event = accepted({ companyId: company('cmic'), system: 'cmic', jobNumber: 'E-1', lines: [{ costCode: '01-100', amount: '1.00' }] });
    await world.requestExport(event);
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === event.exportId);
    expect((await world.http('GET', `/erp/exports/${event.exportId}`, tokens.cmic!)).status).toBe(200);
    expect((await world.http('GET', `/erp/exports/${event.exportId}`, tokens.quickbooks!)).status).toBe(404);
    expect((await world.http('GET', '/erp/exports/nope', tokens.cmic!)).status).toBe(404);
  });
});

it('/docs describes every route with its request bodies', async () => {
  const doc = (await (await fetch(`${world.service!.url}/docs/json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/erp/connection', '/erp/projects/{projectId}/link', '/erp/projects/{projectId}/import', '/erp/exports/{exportId}']));
  expect(doc.paths['/erp/connection'].put.requestBody).toBeDefined();
  expect(doc.paths['/erp/projects/{projectId}/link'].post.requestBody).toBeDefined();
});

it('/metrics counts export attempts per ERP and outcome', async () => {
  const text = await (await fetch(`${world.service!.url}/metrics`)).text();
  expect(text).toMatch(/erp_export_attempts_total\{[^}]*system="cmic"[^}]*outcome="found_in_erp"[^}]*\} [1-9]/);
  expect(text).toMatch(/erp_export_attempts_total\{[^}]*system="quickbooks"[^}]*outcome="transient_failure"[^}]*\} [1-9]/);
  expect(text).toMatch(/erp_exports_posted_total\{[^}]*system="sage300cre"[^}]*\} [1-9]/);
});

it('a second process running the CMiC worker shares the exports: each lands exactly once', async () => {
  await createJob('cmic', 'M-1');
  await world.startService({ ERP_SYSTEMS: 'cmic' });
  await world.simControl('PUT', '/_sim/cmic/faults', { mode: 'error500', count: 3 });
  const events = Array.from({ length: 8 }, (_, i) => accepted({ companyId: company('cmic'), system: 'cmic', jobNumber: 'M-1', lines: [{ costCode: '01-100', amount: `${i + 1}.00` }] }));
  for (const e of events) await world.requestExport(e);
  for (const e of events) await world.waitForWire('export.succeeded', (m) => m.value.exportId === e.exportId);
  const keys = (await simJob('cmic', 'M-1')).exports.map((e) => e.idempotencyKey).sort();
  expect(keys).toEqual(events.map((e) => e.exportId).sort());
  expect(world.wire.filter((m) => m.topic === 'export.succeeded' && events.some((e) => e.exportId === m.value.exportId))).toHaveLength(8);
});

it('credentials reach the ERP but never appear in any event, log line or outbox row', async () => {
  expect(world.sim.state.credentialsSeen.get('cmic')?.some((h) => Buffer.from(h.replace(/^Basic /, ''), 'base64').toString().includes(CANARY))).toBe(true);
  expect(world.sim.state.credentialsSeen.get('quickbooks')).toContain(`Bearer ${CANARY}`);
  expect(world.sim.state.credentialsSeen.get('acumatica')).toContain(`Bearer ${CANARY}`);
  const connections = await world.dbQuery<{ sealed_credentials: string }>('SELECT sealed_credentials FROM erp_connections');
  expect(connections.length).toBe(SYSTEMS.length);
  expect(connections.every((c) => c.sealed_credentials.startsWith('v2.') && !c.sealed_credentials.includes(CANARY))).toBe(true);

  expect(world.wire.length).toBeGreaterThan(10);
  expect(world.wire.filter((m) => m.raw.includes(CANARY) || JSON.stringify(m.headers).includes(CANARY))).toEqual([]);
  const outbox = await world.outboxRows();
  expect(outbox.length).toBeGreaterThan(10);
  expect(outbox.filter((row) => row.includes(CANARY))).toEqual([]);
  expect(world.logLines.length).toBeGreaterThan(0);
  expect(world.logLines.filter((line) => line.includes(CANARY))).toEqual([]);
});
