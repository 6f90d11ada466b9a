import { ERP_SYSTEM_IDS, erpSystemInfo } from '@budget-erp/contracts';
import {
  acceptWhenListed,
  COST_CODES,
  createBudget,
  ErpSystem,
  eventually,
  exportAndPost,
  getBudget,
  isListed,
  linkProjectToErpJob,
  lockAndSend,
  postEntriesInErp,
  setErpFault,
  simulatorJob,
  waitForErpStatus,
  waitForListing,
} from '../src';
import { useE2ePlatform } from './support';

/** Every ERP of the registry walks the same lifecycle. */
const SYSTEMS: readonly ErpSystem[] = ERP_SYSTEM_IDS;

const platform = useE2ePlatform();

async function companyWithLinkedProject(system: ErpSystem, label: string) {
  const client = await platform().newCompany(`${label}-${system}`);
  const projectId = `p-${label}`;
  const jobNumber = `J-${label}`.toUpperCase();
  await linkProjectToErpJob(client, { system, projectId, jobNumber });
  return { client, projectId, jobNumber };
}

describe.each(SYSTEMS)('the budget → ERP workflow with %s', (system) => {
  it('takes a budget from send through acceptance, export and posting to synced, holding it until posted', async () => {
    const { client, projectId, jobNumber } = await companyWithLinkedProject(system, 'happy');
    const budget = await createBudget(client, projectId, [
      { costCode: COST_CODES[0].code, amount: '1000.10' },
      { costCode: COST_CODES[1].code, amount: '250.05' },
    ]);
    expect(budget).toMatchObject({ origin: 'platform', locked: false, erpStatus: 'not_sent', total: '1250.15' });

    const notReady = await client.budget('pm', 'GET', `/budgets/${budget.id}/erp-readiness`);
    expect(notReady.body.canSend).toBe(false);
    expect(notReady.body.reasons.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining([expect.stringMatching(/NOT_LOCKED/)]));

    const { exportId, erpStatus } = await lockAndSend(client, budget.id);
    expect(erpStatus).toBe('awaiting_acceptance');
    const listed = await waitForListing(client, 'ready_to_export', budget.id);
    expect(listed).toMatchObject({ budgetId: budget.id, projectId, erpSystem: system, total: '1250.15' });

    const addLine = await client.budget('pm', 'POST', `/budgets/${budget.id}/lines`, { costCode: COST_CODES[2].code, amount: '1.00' });
    expect(addLine.status).toBe(409);

    await acceptWhenListed(client, budget.id);
    await waitForErpStatus(client, budget.id, 'awaiting_posting');
    const unlockBeforePosting = await client.budget('pm', 'POST', `/budgets/${budget.id}/unlock`, {});
    expect(unlockBeforePosting.status).toBe(409);
    expect(unlockBeforePosting.body.message).toContain(erpSystemInfo(system)!.name);
    const resend = await client.budget('pm', 'POST', `/budgets/${budget.id}/send-to-erp`, {});
    expect(resend.status).toBe(409);

    await postEntriesInErp(client, system, jobNumber);
    await waitForErpStatus(client, budget.id, 'synced');
    await waitForListing(client, 'synced', budget.id);
    const unlocked = await client.budget('pm', 'POST', `/budgets/${budget.id}/unlock`, {});
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toMatchObject({ locked: false, erpStatus: 'synced' });

    const job = await simulatorJob(client, system, jobNumber);
    expect(job.exports).toHaveLength(1);
    expect(job.budget.map((line) => [line.costCode, line.amount]).sort()).toEqual([
      ['01-100', '1000.10'],
      ['02-200', '250.05'],
    ]);

    const exportView = await client.erp('integrations', 'GET', `/erp/exports/${exportId}`);
    expect(exportView.status).toBe(200);

    const pmMail = await eventually('the posted email to the PM', async () => {
      const mail = await client.mailTo(client.people.pm.email);
      return mail.some((m) => /posted/i.test(m.subject)) ? mail : undefined;
    });
    expect(pmMail.filter((m) => /posted/i.test(m.subject))).toHaveLength(1);
    const feed = await client.notifications('pm');
    expect(feed.status).toBe(200);
    expect(feed.body.items.length).toBeGreaterThanOrEqual(1);
  });

  it('lets the PM retrieve a sent budget before review, taking it off the approver list', async () => {
    const { client, projectId } = await companyWithLinkedProject(system, 'retrieve');
    const budget = await createBudget(client, projectId, [{ costCode: COST_CODES[0].code, amount: '10.00' }]);
    await lockAndSend(client, budget.id);
    await waitForListing(client, 'ready_to_export', budget.id);
    const retrieved = await client.budget('pm', 'POST', `/budgets/${budget.id}/retrieve-from-erp`, {});
    expect(retrieved.status).toBe(200);
    expect(retrieved.body).toMatchObject({ locked: true, erpStatus: 'not_sent' });
    await eventually('the budget to leave the ready-to-export list', async () => !(await isListed(client, 'ready_to_export', budget.id)));
    const accept = await client.approval('approver', 'POST', `/erp-integrations/budgets/${budget.id}/accept`, {});
    expect(accept.status).toBe(409);
  });

  it('when the approver rejects, unlocks the budget for editing and emails the creator the reason', async () => {
    const { client, projectId } = await companyWithLinkedProject(system, 'reject');
    const budget = await createBudget(client, projectId, [{ costCode: COST_CODES[0].code, amount: '99.99' }]);
    await lockAndSend(client, budget.id);
    await waitForListing(client, 'ready_to_export', budget.id);
    const noReason = await client.approval('approver', 'POST', `/erp-integrations/budgets/${budget.id}/reject`, {});
    expect(noReason.status).toBe(400);
    const rejected = await client.approval('approver', 'POST', `/erp-integrations/budgets/${budget.id}/reject`, { reason: 'Concrete is over estimate' });
    expect(rejected.status).toBe(200);

    const unlocked = await eventually('the budget to return unlocked', async () => {
      const b = await getBudget(client, budget.id);
      return !b.locked && b.erpStatus === 'not_sent' ? b : undefined;
    });
    expect(unlocked.locked).toBe(false);
    const edited = await client.budget('pm', 'POST', `/budgets/${budget.id}/lines`, { costCode: COST_CODES[1].code, amount: '5.00' });
    expect(edited.status).toBe(201);
    const mail = await eventually('the rejection email', async () => {
      const received = await client.mailTo(client.people.pm.email);
      return received.find((m) => /reject/i.test(m.subject));
    });
    expect(mail.text).toContain('Concrete is over estimate');
  });

  it('when the ERP rejects the export, lists it as failed; the approver rejects, the PM fixes and re-sends, and it lands once', async () => {
    const { client, projectId, jobNumber } = await companyWithLinkedProject(system, 'failed');
    const budget = await createBudget(client, projectId, [{ costCode: COST_CODES[0].code, amount: '500.00' }]);
    await lockAndSend(client, budget.id);
    await setErpFault(client, system, 'reject', 1);
    await acceptWhenListed(client, budget.id);
    await waitForErpStatus(client, budget.id, 'failed_to_export');
    const failed = await waitForListing(client, 'failed_to_export', budget.id);
    expect(failed).toMatchObject({ budgetId: budget.id });

    const rejected = await client.approval('approver', 'POST', `/erp-integrations/budgets/${budget.id}/reject`, { reason: 'Fix the amounts' });
    expect(rejected.status).toBe(200);
    await eventually('the budget to be editable again', async () => !(await getBudget(client, budget.id)).locked);
    const line = (await getBudget(client, budget.id)).lines[0];
    const fixed = await client.budget('pm', 'PATCH', `/budgets/${budget.id}/lines/${line.id}`, { amount: '450.00' });
    expect(fixed.status).toBe(200);

    await exportAndPost(client, system, jobNumber, budget.id);
    const job = await simulatorJob(client, system, jobNumber);
    expect(job.budget.map((l) => l.amount)).toEqual(['450.00']);
    const failureMail = await client.mailTo(client.people.pm.email);
    expect(failureMail.some((m) => /fail/i.test(m.subject))).toBe(true);
  });

  it('when the ERP is down for a while, the export completes once it is back, exactly once', async () => {
    const { client, projectId, jobNumber } = await companyWithLinkedProject(system, 'down');
    const budget = await createBudget(client, projectId, [{ costCode: COST_CODES[0].code, amount: '42.00' }]);
    await lockAndSend(client, budget.id);
    await setErpFault(client, system, 'down', 3);
    await acceptWhenListed(client, budget.id);
    await waitForErpStatus(client, budget.id, 'awaiting_posting', 60000);
    expect((await simulatorJob(client, system, jobNumber)).exports).toHaveLength(1);
    await setErpFault(client, system, 'ok');
  });

  it('after posting, exports changes as a revision on re-send', async () => {
    const { client, projectId, jobNumber } = await companyWithLinkedProject(system, 'revision');
    const budget = await createBudget(client, projectId, [{ costCode: COST_CODES[0].code, amount: '100.00' }]);
    await exportAndPost(client, system, jobNumber, budget.id);
    expect((await client.budget('pm', 'POST', `/budgets/${budget.id}/unlock`, {})).status).toBe(200);
    const line = (await getBudget(client, budget.id)).lines[0];
    expect((await client.budget('pm', 'PATCH', `/budgets/${budget.id}/lines/${line.id}`, { amount: '175.50' })).status).toBe(200);

    const { exportId } = await lockAndSend(client, budget.id);
    await acceptWhenListed(client, budget.id, { revision: { type: 'budget_transfer' } });
    await waitForErpStatus(client, budget.id, 'awaiting_posting');
    await postEntriesInErp(client, system, jobNumber);
    await waitForErpStatus(client, budget.id, 'synced');
    const job = await simulatorJob(client, system, jobNumber);
    expect(job.exports).toHaveLength(2);
    expect(job.budget.find((l) => l.costCode === COST_CODES[0].code)?.amount).toBe('175.50');
    expect(exportId).toBeTruthy();
  });

  it('refuses another company, users without permission, and re-import of an exported platform budget', async () => {
    const { client, projectId, jobNumber } = await companyWithLinkedProject(system, 'rules');
    const budget = await createBudget(client, projectId, [{ costCode: COST_CODES[0].code, amount: '1.00' }]);
    expect((await client.budget('outsider', 'GET', `/budgets/${budget.id}`)).status).toBe(404);
    expect((await client.budget('viewer', 'POST', `/budgets/${budget.id}/lock`, {})).status).toBe(403);
    expect((await client.budget('pm', 'POST', `/projects/${projectId}/budgets`, { name: 'x', lines: [{ costCode: '01-100', amount: '1e3' }] })).status).toBe(400);
    await lockAndSend(client, budget.id);
    await waitForListing(client, 'ready_to_export', budget.id);
    expect((await client.approval('viewer', 'POST', `/erp-integrations/budgets/${budget.id}/accept`, {})).status).toBe(403);
    expect((await client.approval('outsider', 'POST', `/erp-integrations/budgets/${budget.id}/accept`, {})).status).toBe(404);
    await acceptWhenListed(client, budget.id);
    await waitForErpStatus(client, budget.id, 'awaiting_posting');
    await postEntriesInErp(client, system, jobNumber);
    await waitForErpStatus(client, budget.id, 'synced');
    await client.budget('pm', 'POST', `/budgets/${budget.id}/unlock`, {});
    const reimport = await client.budget('pm', 'POST', `/budgets/${budget.id}/reimport`, { confirm: true });
    expect(reimport.status).toBe(409);
  });

  it('imports the ERP budget into a named budget, keep-and-add then overwrite, each applying the previewed ERP lines; refuses a locked budget at once and a stale preview', async () => {
    const { client, projectId, jobNumber } = await companyWithLinkedProject(system, 'named');
    const setErpBudget = (lines: { costCode: string; amount: string }[]) => client.simulator('PUT', `/_sim/${system}/jobs/${jobNumber}/budget?companyId=${client.companyId}`, { lines });
    const preview = async () => {
      const answer = await client.erp('integrations', 'GET', `/erp/projects/${projectId}/erp-budget`);
      expect(answer.status).toBe(200);
      return answer.body as { total: string; digest: string; lines: { costCode: string; amount: string }[] };
    };
    const linesOf = (b: { lines: { costCode: string; amount: string }[] }) => b.lines.map((l) => [l.costCode, l.amount]);
    const budget = await createBudget(client, projectId, [{ costCode: COST_CODES[2].code, amount: '50.00' }]);
    await setErpBudget([
      { costCode: COST_CODES[0].code, amount: '300.00' },
      { costCode: COST_CODES[1].code, amount: '0.00' },
    ]);

    expect((await client.budget('pm', 'POST', `/budgets/${budget.id}/lock`, {})).status).toBe(200);
    const locked = await client.budget('integrations', 'POST', `/budgets/${budget.id}/import`, { mode: 'keep_and_add' });
    expect(locked).toMatchObject({ status: 409, body: { code: 'BUDGET.LOCKED' } });
    expect((await client.budget('pm', 'POST', `/budgets/${budget.id}/unlock`, {})).status).toBe(200);

    const first = await preview();
    expect(first).toMatchObject({ total: '300.00', lines: [{ costCode: COST_CODES[0].code, amount: '300.00' }] });
    const keep = await client.budget('integrations', 'POST', `/budgets/${budget.id}/import`, { mode: 'keep_and_add', erpDigest: first.digest });
    expect(keep).toMatchObject({ status: 202, body: { erpStatus: 'importing' } });
    const kept = await eventually('the keep-and-add import', async () => {
      const b = await getBudget(client, budget.id);
      return b.erpStatus !== 'importing' && b.total === '350.00' ? b : undefined;
    });
    expect(kept.origin).toBe('erp');
    expect(linesOf(kept)).toEqual([
      [COST_CODES[2].code, '50.00'],
      [COST_CODES[0].code, '300.00'],
    ]);

    await setErpBudget([
      { costCode: COST_CODES[0].code, amount: '320.00' },
      { costCode: COST_CODES[1].code, amount: '80.00' },
    ]);
    const second = await preview();
    expect(second.total).toBe('400.00');
    expect((await client.budget('integrations', 'POST', `/budgets/${budget.id}/import`, { mode: 'overwrite', erpDigest: second.digest })).status).toBe(202);
    const overwritten = await eventually('the overwrite import', async () => {
      const b = await getBudget(client, budget.id);
      return b.erpStatus !== 'importing' && b.total === second.total ? b : undefined;
    });
    expect(linesOf(overwritten)).toEqual(second.lines.map((l) => [l.costCode, l.amount]));

    await setErpBudget([{ costCode: COST_CODES[0].code, amount: '1.00' }]);
    const stale = await client.budget('pm', 'POST', `/budgets/${budget.id}/reimport`, { confirm: true, erpDigest: second.digest });
    expect(stale.status).toBe(202);
    const refused = await eventually('the stale re-import to fail', async () => {
      const b = (await client.budget('pm', 'GET', `/budgets/${budget.id}`)).body as { erpStatus: string; total: string; lastImport: { outcome: string; message: string } | null };
      return b.erpStatus !== 'importing' && b.lastImport?.outcome === 'failed' ? b : undefined;
    });
    expect(refused.total).toBe('400.00');
    expect(refused.lastImport!.message).toContain('changed since it was previewed');
  });

  it('imports an ERP budget and re-imports it after it changed in the ERP', async () => {
    const { client, projectId, jobNumber } = await companyWithLinkedProject(system, 'import');
    await client.simulator('PUT', `/_sim/${system}/jobs/${jobNumber}/budget?companyId=${client.companyId}`, {
      lines: [
        { costCode: COST_CODES[0].code, amount: '300.00' },
        { costCode: COST_CODES[1].code, amount: '0.00' },
      ],
    });
    const started = await client.erp('integrations', 'POST', `/erp/projects/${projectId}/import`, {});
    expect(started.status).toBe(202);
    const imported = await eventually('the imported budget', async () => {
      const list = await client.budget('pm', 'GET', `/projects/${projectId}/budgets`);
      const items = (Array.isArray(list.body) ? list.body : list.body?.items) as { id: string; total: string }[] | undefined;
      return items?.find((b) => b.total === '300.00');
    });
    const budget = await getBudget(client, imported.id);
    expect(budget.origin).toBe('erp');
    expect(budget.lines.map((l) => [l.costCode, l.amount])).toEqual([[COST_CODES[0].code, '300.00']]);

    await client.simulator('PUT', `/_sim/${system}/jobs/${jobNumber}/budget?companyId=${client.companyId}`, {
      lines: [{ costCode: COST_CODES[0].code, amount: '320.00' }, { costCode: COST_CODES[2].code, amount: '80.00' }],
    });
    const reimport = await client.budget('pm', 'POST', `/budgets/${budget.id}/reimport`, { confirm: true });
    expect(reimport.status).toBe(202);
    const after = await eventually('the re-imported amounts', async () => {
      const b = await getBudget(client, budget.id);
      return b.total === '400.00' ? b : undefined;
    });
    expect(after.lines.map((l) => [l.costCode, l.amount]).sort()).toEqual([
      [COST_CODES[0].code, '320.00'],
      [COST_CODES[2].code, '80.00'],
    ]);
  });
});
