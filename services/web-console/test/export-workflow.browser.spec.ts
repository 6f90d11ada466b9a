import { Page } from 'playwright-core';
import { COST_CODES, createBudget as createBudgetThroughApi, exportAndPost, linkProjectToErpJob, postEntriesInErp, setErpFault } from '@budget-erp/e2e';
import { Browser, enabled, launchBrowser, screenshot, signedIn, statusShows, until } from './browser';
import { companyWithErpJob, useConsolePlatform } from './console-platform';

async function connectErpAndLinkProject(page: Page, projectId: string, jobNumber: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'ERP Integrations' }).click();
  await page.getByRole('tab', { name: 'Connection & projects' }).click();
  await page.getByRole('combobox', { name: 'ERP system' }).selectOption('cmic');
  await page.getByRole('button', { name: 'Save connection' }).click();
  await page.getByTestId('connection-saved').waitFor();
  const link = page.getByRole('form', { name: 'Link a project' });
  await link.getByRole('textbox', { name: 'Project' }).fill(projectId);
  await link.getByRole('textbox', { name: 'ERP job number' }).fill(jobNumber);
  await link.getByRole('button', { name: 'Link project' }).click();
  await page.getByTestId('link-saved').waitFor();
  // What is configured now is read back from the connector (GET /erp/connection, GET /erp/projects).
  await until('the stored connection is shown', async () => ((await page.getByTestId('connection-current').textContent()) ?? '').includes('CMiC'));
  await until(`project ${projectId} is listed with job ${jobNumber}`, async () => ((await page.locator(`tr[data-link="${projectId}"]`).textContent({ timeout: 1000 })) ?? '').includes(jobNumber));
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
  await page.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'Budget tool' }).click();
  await page.getByRole('textbox', { name: 'Project' }).fill(projectId);
  await page.getByRole('button', { name: 'Open project' }).click();
  // As a user does: wait for the project's page and its budget list before typing, and type again
  // if a re-render took the text away before the click.
  await page.getByRole('heading', { name: `Budgets of project ${projectId}` }).waitFor();
  await page.getByText('This project has no budget yet.').or(page.getByRole('table')).first().waitFor();
  const nameBox = page.getByRole('textbox', { name: 'Budget name' });
  for (let attempt = 0; attempt < 5 && (await nameBox.inputValue()) !== name; attempt += 1) await nameBox.fill(name);
  await page.getByRole('button', { name: 'Create budget' }).click();
  await page.getByRole('heading', { name: 'Cost Code Detail' }).waitFor();
}

/** The PM locks the budget (when it is not) and sends it as soon as the readiness checks pass. */
async function lockAndSend(page: Page, consoleUrl: string, budgetId: string): Promise<void> {
  if (!page.url().endsWith(`/budgets/${budgetId}`)) await page.goto(`${consoleUrl}/budgets/${budgetId}`);
  await page.getByTestId('lock-state').waitFor();
  if ((await page.getByTestId('lock-state').textContent()) === 'Unlocked') {
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByTestId('lock-state').getByText('Locked', { exact: true }).waitFor({ timeout: 15000 });
  }
  const send = page.getByRole('button', { name: /^(Re-s|S)end to ERP$/ });
  await enabled(send);
  await send.click();
  await statusShows(page.getByTestId('erp-status'), 'awaiting_acceptance');
}

async function openReview(page: Page, list: string, budgetName: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'ERP Integrations' }).click();
  await page.getByRole('tab', { name: 'Budgets' }).click();
  await page.getByRole('tab', { name: list }).click();
  await page.getByRole('link', { name: `Review ${budgetName}` }).click();
  await page.getByTestId('review-status').waitFor();
}

/** The codes of the reasons behind Send to ERP's "?", opened when it is not. */
async function sendReasons(page: Page): Promise<string[]> {
  const tooltip = page.getByRole('tooltip');
  if (!(await tooltip.isVisible())) await page.getByRole('button', { name: 'Why is Send to ERP not available?' }).click();
  return (await Promise.all((await tooltip.locator('li').all()).map((li) => li.getAttribute('data-code')))).map(String);
}

async function unreadCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('unread-count').textContent());
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

  it('a PM builds and sends a budget, the approver accepts it, the PM sees it reach synced without a reload, unlocks it keeping a modification and re-sends it as a revision', async () => {
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
    await approver.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'ERP Integrations' }).click();
    await approver.getByRole('tab', { name: 'Ready to Export' }).click();
    await approver.getByRole('link', { name: 'Review Original budget' }).waitFor();
    await screenshot(approver, 'erp-integrations-budgets-ready-to-export');
    await approver.getByRole('link', { name: 'Review Original budget' }).click();
    expect(await approver.getByTestId('review-total').textContent()).toBe('$1,550.75');
    // The lines come a page at a time from the approval service's lines route.
    const reviewedLines = approver.getByRole('table', { name: 'Lines' }).locator('tbody tr');
    await reviewedLines.nth(1).waitFor();
    expect(await reviewedLines.allTextContents()).toEqual([
      expect.stringContaining('01-100'),
      expect.stringContaining('02-200'),
    ]);
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

    // A modification moves money after the export; unlocking asks what to do with it.
    const modification = pm.getByRole('form', { name: 'New modification' });
    await modification.getByRole('textbox', { name: 'Modification description' }).fill('More concrete');
    await modification.getByRole('combobox', { name: 'Line' }).selectOption({ label: '01-100 General conditions' });
    await modification.getByRole('textbox', { name: /Amount to add/ }).fill('100.00');
    await modification.getByRole('button', { name: 'Create modification' }).click();
    await pm.getByText(/More concrete/).first().waitFor();
    const unlock = pm.getByRole('button', { name: 'Unlock', exact: true });
    await unlock.click();
    const dialog = pm.getByRole('dialog', { name: 'Unlock the budget' });
    await dialog.waitFor();
    await screenshot(pm, 'budget-page-unlock-asks-about-modifications');
    await dialog.getByRole('button', { name: 'Preserve modifications' }).click();
    await pm.getByTestId('lock-state').getByText('Unlocked').waitFor();
    expect(await pm.getByRole('button', { name: 'Re-send to ERP', exact: true }).isDisabled()).toBe(true);

    // Re-sent, the changes go as a revision: the approver sees the diff and the revision fields with their defaults.
    await lockAndSend(pm, consoleUrl, pm.url().split('/').pop()!);
    await openReview(approver, 'Ready to Export', 'Original budget');
    await until('the review shows the revision', async () => (await approver.getByRole('group', { name: 'Revision' }).count()) === 1);
    const revision = approver.getByRole('group', { name: 'Revision' });
    expect(await revision.getByRole('combobox', { name: 'Revision type' }).inputValue()).toBe('scope_change');
    expect(await revision.getByRole('combobox', { name: 'Revision status' }).inputValue()).toBe('pending');
    expect(await revision.getByRole('textbox', { name: 'Approved by' }).inputValue()).toBe('Alex Approver');
    expect(await approver.getByRole('table', { name: 'Changes against the last sync' }).locator('tr[data-change="changed"]').count()).toBe(1);
    await screenshot(approver, 'erp-integrations-review-revision');
    await approver.getByRole('button', { name: 'Accept and export' }).click();
    await statusShows(pm.getByTestId('erp-status'), 'awaiting_posting');
  }, 180000);

  it('when the approver rejects with a reason, the budget comes back unlocked and its creator reads the reason in the notification feed', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    await linkProjectToErpJob(client, { system: 'cmic', projectId: 'tower-r', jobNumber: 'J-R1' });
    const budget = await createBudgetThroughApi(client, 'tower-r', [{ costCode: COST_CODES[0].code, amount: '900.00' }], 'Budget to reject');

    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await lockAndSend(pm, consoleUrl, budget.id);
    expect(await unreadCount(pm)).toBe(0);

    const approver = await signedIn(browser, consoleUrl, client.companyId, 'approver');
    await openReview(approver, 'Ready to Export', 'Budget to reject');
    const reject = approver.getByRole('form', { name: 'Reject' });
    await reject.getByRole('textbox', { name: 'Reason' }).fill('   ');
    await reject.getByRole('button', { name: 'Reject', exact: true }).click();
    // The service's 400 names the field; the console shows it beside the reason.
    await reject.locator('.field-error').waitFor();
    await reject.getByRole('textbox', { name: 'Reason' }).fill('Concrete is over estimate');
    await reject.getByRole('button', { name: 'Reject', exact: true }).click();
    await approver.getByTestId('decision').getByText(/Rejected by Alex Approver: Concrete is over estimate/).waitFor();

    await statusShows(pm.getByTestId('erp-status'), 'not_sent');
    await pm.getByTestId('lock-state').getByText('Unlocked').waitFor();
    await pm.getByText('Rejected by Alex Approver: Concrete is over estimate').waitFor();
    await until('the PM has an unread notification', async () => (await unreadCount(pm)) === 1);
    await pm.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: /Notifications/ }).click();
    const item = pm.getByRole('list', { name: 'Notifications' }).locator('li[data-kind="budget_rejected"]');
    await item.getByText(/Concrete is over estimate/).first().waitFor();
    await screenshot(pm, 'notifications-feed');
    await item.getByRole('button', { name: 'Mark read' }).click();
    await until('the notification is read', async () => (await unreadCount(pm)) === 0);

    // The approver turns the daily summary off; the preference is kept.
    await approver.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: /Notifications/ }).click();
    const daily = approver.getByRole('checkbox', { name: 'Email me the ERP Integrations Daily Summary' });
    await daily.waitFor();
    const before = await daily.isChecked();
    await daily.click();
    await until('the preference is saved', async () => (await daily.isChecked()) === !before && (await daily.isEnabled()));
    await approver.reload();
    await daily.waitFor();
    expect(await daily.isChecked()).toBe(!before);
  }, 180000);

  it('when the ERP refuses the export, it is listed under Failed to Export with the reason; the approver rejects, the PM fixes the line and re-sends', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    await linkProjectToErpJob(client, { system: 'cmic', projectId: 'tower-f', jobNumber: 'J-F1' });
    const budget = await createBudgetThroughApi(client, 'tower-f', [{ costCode: COST_CODES[0].code, amount: '500.00' }], 'Budget that fails');

    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await lockAndSend(pm, consoleUrl, budget.id);
    await setErpFault(client, 'cmic', 'reject', 1);

    const approver = await signedIn(browser, consoleUrl, client.companyId, 'approver');
    await openReview(approver, 'Ready to Export', 'Budget that fails');
    await approver.getByRole('button', { name: 'Accept and export' }).click();
    await statusShows(approver.getByTestId('review-status'), 'failed_to_export');
    await approver.getByTestId('failure').waitFor();
    await openReview(approver, 'Failed to Export', 'Budget that fails');
    await screenshot(approver, 'erp-integrations-failed-to-export');
    const reject = approver.getByRole('form', { name: 'Reject' });
    await reject.getByRole('textbox', { name: 'Reason' }).fill('Fix the amounts');
    await reject.getByRole('button', { name: 'Reject', exact: true }).click();

    await pm.getByTestId('lock-state').getByText('Unlocked').waitFor();
    await pm.getByRole('button', { name: 'Edit line 01-100' }).click();
    const edit = pm.getByRole('form', { name: 'Edit line 01-100' });
    await edit.getByRole('textbox', { name: 'Amount' }).fill('450.00');
    await edit.getByRole('button', { name: 'Save line' }).click();
    await until('the total shows the fixed amount', async () => (await pm.getByTestId('budget-total').textContent()) === '$450.00');
    await lockAndSend(pm, consoleUrl, budget.id);

    await openReview(approver, 'Ready to Export', 'Budget that fails');
    await statusShows(approver.getByTestId('review-status'), 'awaiting_acceptance');
    await until('the review shows the re-sent amounts', async () => (await approver.getByTestId('review-total').textContent()) === '$450.00');
    await approver.getByRole('button', { name: 'Accept and export' }).click();
    await statusShows(pm.getByTestId('erp-status'), 'awaiting_posting');
  }, 180000);

  it('every reason Send to ERP is not available is behind its "?", reached by keyboard, and each one goes as the PM and the integrations user fix it (adding, editing and deleting lines)', async () => {
    const { e2e, consoleUrl } = platform();
    const { client, projectId, jobNumber } = await companyWithErpJob(e2e);
    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await createBudget(pm, projectId, 'Budget not ready');
    const reasonsAre = (codes: string[]) => until(`the reasons are ${codes.join(', ')}`, async () => JSON.stringify((await sendReasons(pm)).sort()) === JSON.stringify([...codes].sort()));

    // From the keyboard: Tab from Lock passes over the greyed-out Send to ERP to its "?", Enter opens it.
    await pm.getByRole('button', { name: 'Why is Send to ERP not available?' }).waitFor();
    const focusedLabel = () => pm.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")');
    await until('Tab from Lock reaches the "?"', async () => {
      await pm.getByRole('button', { name: 'Lock', exact: true }).focus();
      await pm.keyboard.press('Tab');
      return (await focusedLabel()) === 'Why is Send to ERP not available?';
    });
    await pm.keyboard.press('Enter');
    await pm.getByRole('tooltip').waitFor();
    await reasonsAre(['BUDGET.NOT_LOCKED', 'ERP.NOT_CONNECTED', 'ERP.PROJECT_NOT_LINKED', 'BUDGET.NO_LINES']);
    await pm.getByRole('tooltip').getByText('The budget has no line items.').waitFor();
    await screenshot(pm, 'budget-page-every-readiness-reason');

    await addLine(pm, { costCode: '09-999', description: 'Not in the job', amount: '0.00' });
    await reasonsAre(['BUDGET.NOT_LOCKED', 'ERP.NOT_CONNECTED', 'ERP.PROJECT_NOT_LINKED', 'BUDGET.ZERO_TOTAL']);

    const integrations = await signedIn(browser, consoleUrl, client.companyId, 'integrations');
    await connectErpAndLinkProject(integrations, projectId, jobNumber);
    await reasonsAre(['BUDGET.NOT_LOCKED', 'BUDGET.ZERO_TOTAL', 'ERP.COST_CODE_NOT_IN_JOB']);
    await pm.getByRole('tooltip').getByText(`Cost code 09-999 does not exist in CMiC job ${jobNumber}.`).waitFor();

    await pm.getByRole('button', { name: 'Edit line 09-999' }).click();
    const edit = pm.getByRole('form', { name: 'Edit line 09-999' });
    await edit.getByRole('textbox', { name: 'Cost code' }).fill(COST_CODES[0].code);
    await edit.getByRole('textbox', { name: 'Amount' }).fill('75.00');
    await edit.getByRole('button', { name: 'Save line' }).click();
    await reasonsAre(['BUDGET.NOT_LOCKED']);

    // A line added by mistake is deleted again.
    await addLine(pm, { costCode: COST_CODES[1].code, description: 'By mistake', amount: '12.34' });
    await until('the total has the line', async () => (await pm.getByTestId('budget-total').textContent()) === '$87.34');
    await pm.getByRole('button', { name: `Delete line ${COST_CODES[1].code}` }).click();
    await until('the line is gone', async () => (await pm.locator(`tr[data-line="${COST_CODES[1].code}"]`).count()) === 0 && (await pm.getByTestId('budget-total').textContent()) === '$75.00');

    await pm.getByRole('button', { name: 'Lock', exact: true }).click();
    await enabled(pm.getByRole('button', { name: 'Send to ERP', exact: true }));
    expect(await pm.getByRole('button', { name: 'Why is Send to ERP not available?' }).count()).toBe(0);
  }, 180000);

  it('a PM retrieves a send awaiting acceptance; once synced the timeline shows both exports and the Synced list has it; unlocking it refuses to delete synced modifications in words and preserves them', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    await linkProjectToErpJob(client, { system: 'cmic', projectId: 'tower-t', jobNumber: 'J-T1' });
    const budget = await createBudgetThroughApi(client, 'tower-t', [{ costCode: COST_CODES[0].code, amount: '500.00' }], 'Budget retrieved');

    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await lockAndSend(pm, consoleUrl, budget.id);
    await pm.getByRole('button', { name: 'Retrieve from ERP' }).click();
    await statusShows(pm.getByTestId('erp-status'), 'not_sent');
    const timeline = pm.getByRole('region', { name: 'Export timeline' });
    await until('the timeline shows the retrieved send', async () => /retrieved/.test((await timeline.locator('article h3').first().textContent({ timeout: 1000 })) ?? ''));

    await exportAndPost(client, 'cmic', 'J-T1', budget.id);
    await statusShows(pm.getByTestId('erp-status'), 'synced');
    await until('the timeline shows the synced export above the retrieved one', async () => {
      const headings = await timeline.locator('article h3').allTextContents();
      // The retrieved send counts as superseded once a newer send exists; its history keeps the retrieval.
      return headings.length === 2 && headings[0] === 'Original budget to CMiC — synced' && /retrieved/.test((await timeline.locator('article').nth(1).locator('ol').textContent()) ?? '');
    });
    expect(await timeline.locator('article').first().locator('li').count()).toBeGreaterThan(1);
    await screenshot(pm, 'budget-page-timeline-retrieved-then-synced');

    const integrations = await signedIn(browser, consoleUrl, client.companyId, 'integrations');
    await openReview(integrations, 'Synced', 'Budget retrieved');
    await statusShows(integrations.getByTestId('review-status'), 'synced');

    const modification = pm.getByRole('form', { name: 'New modification' });
    await modification.getByRole('textbox', { name: 'Modification description' }).fill('Extra fencing');
    await modification.getByRole('combobox', { name: 'Line' }).selectOption({ label: COST_CODES[0].code });
    await modification.getByRole('textbox', { name: /Amount to add/ }).fill('50.00');
    await modification.getByRole('button', { name: 'Create modification' }).click();
    await until('the total has the modification', async () => (await pm.getByTestId('budget-total').textContent()) === '$550.00');
    await pm.getByRole('button', { name: 'Unlock', exact: true }).click();
    const dialog = pm.getByRole('dialog', { name: 'Unlock the budget' });
    // A synced budget's modifications cannot be deleted: the service's words show in the dialog, and preserving them unlocks.
    await dialog.getByRole('button', { name: 'Delete modifications' }).click();
    await dialog.getByRole('alert').getByText(/can no longer be deleted; preserve them instead/).waitFor();
    expect(await pm.getByTestId('lock-state').textContent()).toBe('Locked');
    await dialog.getByRole('button', { name: 'Preserve modifications' }).click();
    await pm.getByTestId('lock-state').getByText('Unlocked').waitFor();
    await pm.getByRole('region', { name: 'Modifications' }).getByText(/Extra fencing/).waitFor();
    expect(await pm.getByTestId('budget-total').textContent()).toBe('$550.00');
  }, 180000);
});
