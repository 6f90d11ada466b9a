import { COST_CODES, createBudget, exportAndPost, linkProjectToErpJob, waitForErpStatus, waitForListing } from '@budget-erp/e2e';
import { Browser, launchBrowser, screenshot, signedIn, until } from './browser';
import { useConsolePlatform } from './console-platform';

describe('web console: a budget out of sync with its ERP job, in a browser', () => {
  const platform = useConsolePlatform();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
  });

  it('Out of Sync lists the drifted budget; its review shows each line platform against ERP and the fix offered, and acknowledging with a note takes it off the list', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console-drift');
    await linkProjectToErpJob(client, { system: 'cmic', projectId: 'tower-d', jobNumber: 'J-D1' });
    const budget = await createBudget(client, 'tower-d', [{ costCode: COST_CODES[0].code, amount: '1000.00' }]);
    await exportAndPost(client, 'cmic', 'J-D1', budget.id);
    await waitForErpStatus(client, budget.id, 'synced');
    await client.simulator('PUT', `/_sim/cmic/jobs/J-D1/budget?companyId=${client.companyId}`, { lines: [{ costCode: COST_CODES[0].code, amount: '1250.00' }] });
    expect((await client.erp('integrations', 'POST', `/erp/budgets/${budget.id}/drift-check`, {})).body).toMatchObject({ status: 'drifted' });
    await waitForListing(client, 'out_of_sync', budget.id);

    const admin = await signedIn(browser, consoleUrl, client.companyId, 'admin');
    await admin.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'ERP Integrations' }).click();
    await admin.getByRole('tab', { name: 'Out of Sync' }).click();
    const table = admin.getByRole('table', { name: 'Out of Sync' });
    await table.getByRole('link', { name: /Review/ }).click();
    const drift = admin.getByTestId('drift');
    await drift.waitFor();
    await screenshot(admin, 'erp-integrations-out-of-sync-review');
    const cells = await drift.getByRole('table', { name: 'Lines out of sync' }).locator('tbody tr td [data-amount]').evaluateAll((els) => els.map((e) => e.getAttribute('data-amount')));
    expect(cells).toEqual(['1000.00', '1250.00', '250.00']);
    expect(await admin.getByTestId('drift-resolution').textContent()).toContain('exported as a revision that corrects the ERP amounts');

    await drift.getByRole('textbox', { name: 'Note' }).fill('Contingency moved by the accountant');
    await drift.getByRole('button', { name: 'Acknowledge' }).click();
    await until('the drift shows as acknowledged', async () => (await admin.getByTestId('drift-acknowledged').count()) > 0);
    expect(await admin.getByTestId('drift-acknowledged').textContent()).toContain('Contingency moved by the accountant');
    await admin.getByRole('link', { name: 'ERP Integrations' }).first().click();
    await admin.getByRole('tab', { name: 'Out of Sync' }).click();
    await admin.getByText('Nothing in Out of Sync.').waitFor();
  }, 180000);
});
