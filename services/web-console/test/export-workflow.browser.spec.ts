import { Page } from 'playwright-core';
import { postEntriesInErp } from '@budget-erp/e2e';
import { Browser, enabled, launchBrowser, screenshot, signedIn, statusShows } from './browser';
import { companyWithErpJob, useConsolePlatform } from './console-platform';

async function connectErpAndLinkProject(page: Page, projectId: string, jobNumber: string): Promise<void> {
  await page.getByRole('link', { name: 'ERP Integrations' }).click();
  await page.getByRole('tab', { name: 'Connection & projects' }).click();
  await page.getByRole('combobox', { name: 'ERP system' }).selectOption('cmic');
  await page.getByRole('button', { name: 'Save connection' }).click();
  await page.getByTestId('connection-saved').waitFor();
  const link = page.getByRole('form', { name: 'Link a project' });
  await link.getByRole('textbox', { name: 'Project' }).fill(projectId);
  await link.getByRole('textbox', { name: 'ERP job number' }).fill(jobNumber);
  await link.getByRole('button', { name: 'Link project' }).click();
  await page.getByTestId('link-saved').waitFor();
}

async function addLine(page: Page, line: { costCode: string; description?: string; amount: string }): Promise<void> {
  const form = page.getByRole('form', { name: 'Add a line' });
  await form.getByRole('textbox', { name: 'Cost code' }).fill(line.costCode);
  await form.getByRole('textbox', { name: 'Description' }).fill(line.description ?? '');
  await form.getByRole('textbox', { name: 'Amount' }).fill(line.amount);
  await form.getByRole('button', { name: 'Add line' }).click();
  await page.locator(`tr[data-line="${line.costCode}"]`).waitFor();
}

async function createBudget(page: Page, projectId: string, name: string): Promise<void> {
  await page.getByRole('link', { name: 'Budget tool' }).click();
  await page.getByRole('textbox', { name: 'Project' }).fill(projectId);
  await page.getByRole('button', { name: 'Open project' }).click();
  await page.getByRole('textbox', { name: 'Budget name' }).fill(name);
  await page.getByRole('button', { name: 'Create budget' }).click();
  await page.getByRole('heading', { name: 'Cost Code Detail' }).waitFor();
}

describe('web console: the export workflow, clicked through in a browser', () => {
  const platform = useConsolePlatform();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
  });

  it('a PM builds and sends a budget, the approver accepts it, the PM sees it reach synced without a reload and unlocks it', async () => {
    const { e2e, consoleUrl } = platform();
    const { client, projectId, jobNumber } = await companyWithErpJob(e2e);

    const integrations = await signedIn(browser, consoleUrl, client.companyId, 'integrations');
    await connectErpAndLinkProject(integrations, projectId, jobNumber);
    await screenshot(integrations, 'erp-integrations-connection');

    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await createBudget(pm, projectId, 'Original budget');
    // A line without a cost code: the service's words appear next to the field.
    const addForm = pm.getByRole('form', { name: 'Add a line' });
    await addForm.getByRole('textbox', { name: 'Amount' }).fill('10.00');
    await addForm.getByRole('button', { name: 'Add line' }).click();
    const costCodeError = addForm.locator('label', { has: pm.getByRole('textbox', { name: 'Cost code' }) }).getByRole('alert');
    await costCodeError.waitFor();
    expect(await addForm.getByRole('textbox', { name: 'Cost code' }).getAttribute('aria-invalid')).toBe('true');

    await addLine(pm, { costCode: '01-100', description: 'General conditions', amount: '1250.50' });
    await addLine(pm, { costCode: '02-200', description: 'Site work', amount: '300.25' });
    expect(await pm.getByTestId('budget-total').textContent()).toBe('$1,550.75');

    const send = pm.getByRole('button', { name: 'Send to ERP', exact: true });
    expect(await send.isDisabled()).toBe(true);
    await pm.getByRole('button', { name: 'Why is Send to ERP not available?' }).click();
    const reasons = await pm.getByRole('tooltip').locator('li').all();
    expect(await Promise.all(reasons.map((li) => li.getAttribute('data-code')))).toContain('BUDGET.NOT_LOCKED');
    await screenshot(pm, 'budget-page-send-greyed-out');

    await pm.getByRole('button', { name: 'Lock', exact: true }).click();
    await enabled(send);
    await send.click();
    await statusShows(pm.getByTestId('erp-status'), 'awaiting_acceptance');
    await screenshot(pm, 'budget-page-awaiting-acceptance');

    const approver = await signedIn(browser, consoleUrl, client.companyId, 'approver');
    await approver.getByRole('link', { name: 'ERP Integrations' }).click();
    await approver.getByRole('tab', { name: 'Ready to Export' }).click();
    await approver.getByRole('link', { name: 'Review Original budget' }).click();
    expect(await approver.getByTestId('review-total').textContent()).toBe('$1,550.75');
    await screenshot(approver, 'erp-integrations-review');
    await approver.getByRole('form', { name: 'Accept' }).getByRole('textbox', { name: 'Description' }).fill('Tower A original budget');
    await approver.getByRole('button', { name: 'Accept and export' }).click();
    await statusShows(approver.getByTestId('review-status'), 'awaiting_posting');

    // The PM's page has not been reloaded since the send: it follows the export by itself.
    await statusShows(pm.getByTestId('erp-status'), 'awaiting_posting');
    expect(await pm.getByRole('button', { name: 'Unlock', exact: true }).isEnabled()).toBe(true);
    await pm.getByRole('button', { name: 'Unlock', exact: true }).click();
    await pm.getByRole('alert').filter({ hasText: /post/i }).waitFor();
    await screenshot(pm, 'budget-page-unlock-refused-before-posting');

    await postEntriesInErp(client, 'cmic', jobNumber);
    await statusShows(pm.getByTestId('erp-status'), 'synced');
    await screenshot(pm, 'budget-page-synced-with-timeline');

    await pm.getByRole('button', { name: 'Unlock', exact: true }).click();
    await pm.getByTestId('lock-state').getByText('Unlocked').waitFor();
    expect(await pm.getByRole('button', { name: 'Re-send to ERP', exact: true }).isDisabled()).toBe(true);
  }, 180000);
});
