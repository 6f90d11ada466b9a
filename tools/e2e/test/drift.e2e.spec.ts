import { ERP_SYSTEM_IDS } from '@budget-erp/contracts';
import { COST_CODES, createBudget, ErpSystem, eventually, exportAndPost, getBudget, isListed, linkProjectToErpJob, waitForErpStatus, waitForListing } from '../src';
import { useE2ePlatform } from './support';

/**
 * Drift reconciliation end to end, for every ERP of the registry: a synced budget changed inside
 * the ERP is found by the connector, listed as out of sync in the ERP Integrations tool with each
 * line's platform and ERP amounts and the fix its origin calls for, told once to the integrations
 * users, and leaves the list when acknowledged with a note or fixed by a re-import.
 */
const SYSTEMS: readonly ErpSystem[] = ERP_SYSTEM_IDS;
const platform = useE2ePlatform();

interface DriftView {
  driftId: string;
  status: string;
  lines: { costCode: string; platformAmount: string; erpAmount: string; difference: string }[];
  resolution: { action: string };
}

describe.each(SYSTEMS)('drift with %s', (system) => {
  it('a platform budget changed in the ERP is listed out of sync with each line platform vs ERP, offers a correcting revision, mails the integrations users once, and leaves the list when acknowledged', async () => {
    const client = await platform().newCompany(`drift-${system}`);
    const projectId = 'p-drift';
    const jobNumber = 'J-DRIFT';
    await linkProjectToErpJob(client, { system, projectId, jobNumber });
    const budget = await createBudget(client, projectId, [
      { costCode: COST_CODES[0].code, amount: '1000.10' },
      { costCode: COST_CODES[1].code, amount: '250.05' },
    ]);
    await exportAndPost(client, system, jobNumber, budget.id);
    await waitForErpStatus(client, budget.id, 'synced');
    const inSync = await client.erp('integrations', 'POST', `/erp/budgets/${budget.id}/drift-check`, {});
    expect(inSync.body).toMatchObject({ status: 'in_sync', lines: [] });

    // The accountant changes the job's budget inside the ERP.
    await client.simulator('PUT', `/_sim/${system}/jobs/${jobNumber}/budget?companyId=${client.companyId}`, {
      lines: [
        { costCode: COST_CODES[0].code, amount: '1100.10' },
        { costCode: COST_CODES[1].code, amount: '250.05' },
      ],
    });
    const checked = await client.erp('integrations', 'POST', `/erp/budgets/${budget.id}/drift-check`, {});
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ status: 'drifted', lines: [{ costCode: COST_CODES[0].code, platformAmount: '1000.10', erpAmount: '1100.10', difference: '100.00' }] });

    await waitForListing(client, 'out_of_sync', budget.id);
    const review = await client.approval('integrations', 'GET', `/erp-integrations/budgets/${budget.id}`);
    const drift = review.body.drift as DriftView;
    expect(drift).toMatchObject({
      driftId: checked.body.driftId,
      status: 'open',
      lines: [{ costCode: COST_CODES[0].code, platformAmount: '1000.10', erpAmount: '1100.10', difference: '100.00' }],
      resolution: { action: 'resend_correcting_revision' },
    });

    // The approver who accepted the export is one of the integrations users: told once.
    const told = await eventually('the drift mail to the approver', async () => {
      const mail = await client.mailTo(client.people.approver.email);
      return mail.some((m) => /out of sync/i.test(m.subject)) ? mail : undefined;
    });
    await client.erp('integrations', 'POST', `/erp/budgets/${budget.id}/drift-check`, {});
    const ack = await client.approval('integrations', 'POST', `/erp-integrations/budgets/${budget.id}/drift/acknowledge`, { driftId: drift.driftId, note: 'Contingency moved by the accountant; accepted' });
    expect(ack.status).toBe(200);
    expect(await isListed(client, 'out_of_sync', budget.id)).toBe(false);
    expect((await client.mailTo(client.people.approver.email)).filter((m) => /out of sync/i.test(m.subject))).toHaveLength(told.filter((m) => /out of sync/i.test(m.subject)).length);
  });

  it('an ERP-origin budget changed in the ERP offers re-import; the re-import resolves the drift and takes it off the list', async () => {
    const client = await platform().newCompany(`drift-erp-${system}`);
    const projectId = 'p-drift-erp';
    const jobNumber = 'J-DRIFTERP';
    await linkProjectToErpJob(client, { system, projectId, jobNumber });
    const setErp = (lines: { costCode: string; amount: string }[]) => client.simulator('PUT', `/_sim/${system}/jobs/${jobNumber}/budget?companyId=${client.companyId}`, { lines });
    await setErp([{ costCode: COST_CODES[0].code, amount: '300.00' }]);
    const budget = await createBudget(client, projectId, [{ costCode: COST_CODES[2].code, amount: '1.00' }]);
    // The budget service learns of the link from erp.project.linked: until then the import is refused as not linked.
    await eventually('the import accepted', async () => ((await client.budget('integrations', 'POST', `/budgets/${budget.id}/import`, { mode: 'overwrite' })).status === 202 ? true : undefined));
    const imported = await eventually('the imported budget', async () => {
      const b = await getBudget(client, budget.id);
      return b.erpStatus !== 'importing' && b.total === '300.00' ? b : undefined;
    });
    expect(imported.origin).toBe('erp');

    await setErp([{ costCode: COST_CODES[0].code, amount: '320.00' }]);
    const checked = await eventually('the drift found', async () => {
      const res = await client.erp('integrations', 'POST', `/erp/budgets/${imported.id}/drift-check`, {});
      return res.status === 200 ? res : undefined;
    });
    expect(checked.body).toMatchObject({ status: 'drifted', origin: 'erp', lines: [{ platformAmount: '300.00', erpAmount: '320.00', difference: '20.00' }] });
    await waitForListing(client, 'out_of_sync', imported.id);
    const drift = (await client.approval('integrations', 'GET', `/erp-integrations/budgets/${imported.id}/drift`)).body as DriftView;
    expect(drift.resolution.action).toBe('reimport');

    expect((await client.budget('pm', 'POST', `/budgets/${imported.id}/reimport`, { confirm: true })).status).toBe(202);
    await eventually('the re-imported amounts', async () => ((await getBudget(client, imported.id)).total === '320.00' ? true : undefined));
    await eventually('off the out-of-sync list', async () => ((await isListed(client, 'out_of_sync', imported.id)) ? undefined : true));
    expect(((await client.approval('integrations', 'GET', `/erp-integrations/budgets/${imported.id}/drift`)).body as DriftView).status).toBe('resolved');
  });
});
