import { Page } from 'playwright-core';
import { COST_CODES, createBudget, exportAndPost, linkProjectToErpJob, lockAndSend } from '@budget-erp/e2e';
import { Browser, launchBrowser, screenshot, signedIn, statusShows, until } from './browser';
import { useConsolePlatform } from './console-platform';

const SESSION_KEY = 'budget-erp.session';

/** The token the console keeps for this tab. */
async function tokenOf(page: Page): Promise<string> {
  const session = JSON.parse((await page.evaluate(`sessionStorage.getItem('${SESSION_KEY}')`)) as string) as { token: string };
  return session.token;
}

describe('web console: who may do what, lost connections and re-import, in a browser', () => {
  const platform = useConsolePlatform();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
  });

  it('a read-only user sees the budget and its review with every action greyed out and its reason, and the services refuse the action anyway', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    await linkProjectToErpJob(client, { system: 'cmic', projectId: 'tower-v', jobNumber: 'J-V1' });
    const budget = await createBudget(client, 'tower-v', [{ costCode: COST_CODES[0].code, amount: '75.00' }], 'Budget to look at');
    await lockAndSend(client, budget.id);

    const viewer = await signedIn(browser, consoleUrl, client.companyId, 'viewer');
    await viewer.goto(`${consoleUrl}/budgets/${budget.id}`);
    await statusShows(viewer.getByTestId('erp-status'), 'awaiting_acceptance');
    expect(await viewer.getByRole('button', { name: 'Unlock', exact: true }).isDisabled()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Retrieve from ERP' }).isDisabled()).toBe(true);
    expect(await viewer.getByRole('form', { name: 'Add a line' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Edit line 01-100' }).count()).toBe(0);
    await viewer.getByRole('button', { name: 'Why is Send to ERP not available?' }).click();
    await viewer.getByRole('tooltip').locator('li[data-code="PERMISSION"]').waitFor();
    await screenshot(viewer, 'budget-page-read-only');

    await viewer.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'ERP Integrations' }).click();
    await viewer.getByRole('link', { name: 'Review Budget to look at' }).click();
    expect(await viewer.getByRole('button', { name: 'Accept and export' }).isDisabled()).toBe(true);
    expect(await viewer.getByRole('form', { name: 'Reject' }).getByRole('button', { name: 'Reject', exact: true }).isDisabled()).toBe(true);

    // The interface only hides what the services would refuse: through the console, the service says no.
    const token = await tokenOf(viewer);
    const retrieve = await fetch(`${consoleUrl}/api/budget/budgets/${budget.id}/retrieve-from-erp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(retrieve.status).toBe(403);
    const accept = await fetch(`${consoleUrl}/api/approval/erp-integrations/budgets/${budget.id}/accept`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(accept.status).toBe(403);
  }, 120000);

  it("another company's budget cannot be reached by its URL: the budget page and the review page say it does not exist", async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    const budget = await createBudget(client, 'tower-x', [{ costCode: COST_CODES[0].code, amount: '10.00' }], 'Not yours');
    const other = await e2e.newCompany('other');

    const outsider = await signedIn(browser, consoleUrl, other.companyId, 'admin');
    await outsider.goto(`${consoleUrl}/budgets/${budget.id}`);
    await outsider.getByRole('alert').getByText('This budget does not exist, or it is not yours to see.').waitFor();
    expect(await outsider.getByText('Not yours', { exact: true }).count()).toBe(0);
    await screenshot(outsider, 'budget-of-another-company');
    await outsider.goto(`${consoleUrl}/erp-integrations/budgets/${budget.id}`);
    await outsider.getByRole('alert').getByText('This budget does not exist, or it is not yours to see.').waitFor();

    const direct = await fetch(`${consoleUrl}/api/budget/budgets/${budget.id}`, { headers: { authorization: `Bearer ${await tokenOf(outsider)}` } });
    expect(direct.status).toBe(404);
  }, 120000);

  it('when the connection drops, a retrying banner shows over the page, which recovers by itself; a refused token sends the user back to sign-in', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    const budget = await createBudget(client, 'tower-n', [{ costCode: COST_CODES[0].code, amount: '12.34' }], 'Budget offline');
    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await pm.goto(`${consoleUrl}/budgets/${budget.id}`);
    await pm.getByRole('heading', { name: 'Budget offline' }).waitFor();

    // Every call to the platform fails as it does when the network is gone.
    await pm.route('**/api/**', (route) => route.abort('internetdisconnected'));
    try {
      await pm.getByRole('status').getByText('The platform cannot be reached. Retrying…').waitFor();
      expect(await pm.getByRole('heading', { name: 'Budget offline' }).isVisible()).toBe(true);
      await screenshot(pm, 'network-lost-banner');
    } finally {
      await pm.unroute('**/api/**');
    }
    await until('the banner is gone', async () => (await pm.getByText('The platform cannot be reached. Retrying…').count()) === 0);
    expect(await pm.getByTestId('budget-total').textContent()).toBe('$12.34');

    // A token the services no longer accept: the next call answers 401 and the console asks to sign in again.
    await pm.evaluate(
      `(() => { const s = JSON.parse(sessionStorage.getItem('${SESSION_KEY}')); s.token = s.token.slice(0, -4) + 'AAAA'; sessionStorage.setItem('${SESSION_KEY}', JSON.stringify(s)); })()`,
    );
    await pm.reload();
    await pm.getByText('Your session has ended. Sign in again.').waitFor();
    await pm.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await screenshot(pm, 'sign-in-dev-after-session-ended');
  }, 120000);

  it('an ERP budget is imported from Ready to Import, and re-imported after it changed in the ERP behind a Please Confirm box with the totals', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    await linkProjectToErpJob(client, { system: 'cmic', projectId: 'tower-i', jobNumber: 'J-I1' });
    const setErpBudget = async (lines: { costCode: string; amount: string }[]) => {
      const changed = await client.simulator('PUT', `/_sim/cmic/jobs/J-I1/budget?companyId=${client.companyId}`, { lines });
      if (changed.status !== 200) throw new Error(`simulator: ${changed.status} ${JSON.stringify(changed.body)}`);
    };
    await setErpBudget([
      { costCode: COST_CODES[0].code, amount: '300.00' },
      { costCode: COST_CODES[1].code, amount: '0.00' },
    ]);

    const admin = await signedIn(browser, consoleUrl, client.companyId, 'admin');
    await admin.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'ERP Integrations' }).click();
    await admin.getByRole('tab', { name: 'Ready to Import' }).click();
    await screenshot(admin, 'erp-integrations-ready-to-import');
    await admin.getByRole('button', { name: 'Import tower-i' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Start import' }).click();

    await admin.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'Budget tool' }).click();
    await admin.getByRole('textbox', { name: 'Project' }).fill('tower-i');
    await admin.getByRole('button', { name: 'Open project' }).click();
    const imported = admin.getByRole('row').filter({ hasText: '$300.00' });
    await imported.waitFor();
    await screenshot(admin, 'budget-tool-project-budgets');
    await imported.getByRole('link').click();
    await admin.getByText('Imported from ERP').waitFor();
    const budgetId = admin.url().split('/').pop()!;

    await setErpBudget([
      { costCode: COST_CODES[0].code, amount: '320.00' },
      { costCode: COST_CODES[2].code, amount: '80.00' },
    ]);
    const reimport = admin.getByRole('button', { name: 'Re-import from ERP' });
    await reimport.click();
    const confirm = admin.getByRole('dialog', { name: 'Please Confirm' });
    await confirm.waitFor();
    // The box shows the budget's total and the ERP's budget read live from the ERP (lines above $0), which the re-import then applies.
    await until('the box has its figures', async () => !(await confirm.getByText('loading…').count()));
    await screenshot(admin, 'reimport-please-confirm');
    expect(await confirm.getByTestId('reimport-current-total').textContent()).toBe('$300.00');
    expect(await confirm.getByTestId('reimport-erp-total').locator('[data-amount]').getAttribute('data-amount')).toBe('400.00');
    expect(await confirm.getByTestId('reimport-total-after').locator('[data-amount]').getAttribute('data-amount')).toBe('400.00');
    await confirm.getByRole('button', { name: 'Confirm re-import' }).click();
    await until('the dialog is closed', async () => !(await confirm.isVisible()));
    // Focus returns to what opened the dialog.
    expect(await admin.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Re-import from ERP');
    await until('the budget shows the ERP amounts', async () => (await admin.getByTestId('budget-total').textContent()) === '$400.00');
    await admin.locator('tr[data-line="03-300"]').waitFor();
    const after = (await (await fetch(`${consoleUrl}/api/budget/budgets/${budgetId}`, { headers: { authorization: `Bearer ${await tokenOf(admin)}` } })).json()) as { total: string; lastImport: { outcome: string } };
    expect(after).toMatchObject({ total: '400.00', lastImport: { outcome: 'succeeded' } });
  }, 120000);

  it("the console forwards /api/<service>/... with the caller's own token, answers no CORS, keeps operators' routes and unknown services out, and its dev sign-in names every bad field", async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    const foreign = { origin: 'http://elsewhere.example' };
    const signIn = await fetch(`${consoleUrl}/auth/dev-sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...foreign },
      body: JSON.stringify({ companyId: client.companyId, persona: 'pm' }),
    });
    expect(signIn.status).toBe(200);
    const { token } = (await signIn.json()) as { token: string };

    const listed = await fetch(`${consoleUrl}/api/budget/projects/p-1/budgets`, { headers: { authorization: `Bearer ${token}`, ...foreign } });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ items: [], next: null });
    expect(listed.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${consoleUrl}/api/budget/projects/p-1/budgets`, { method: 'OPTIONS', headers: { ...foreign, 'access-control-request-method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();

    // Without a token the console adds none: the service answers 401.
    expect((await fetch(`${consoleUrl}/api/budget/projects/p-1/budgets`)).status).toBe(401);
    expect((await fetch(`${consoleUrl}/api/budget/metrics`)).status).toBe(404);
    expect((await fetch(`${consoleUrl}/api/kafka/topics`)).status).toBe(404);

    const bad = await fetch(`${consoleUrl}/auth/dev-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ companyId: 'a b', persona: 'ceo' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details: { path: string }[] }).details.map((d) => d.path).sort()).toEqual(['companyId', 'persona']);
  }, 60000);

  it("a budget of more than 1,000 lines shows every line, page by page from the service, and its total stays exact to the cent", async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    // More lines than the budget's own answer carries (its first 1,000): the rest only come from the lines route.
    const lines = Array.from({ length: 1030 }, (_, i) => ({ costCode: `${String(i + 1).padStart(4, '0')}-000`, amount: '1234.56' }));
    const budget = await createBudget(client, 'tower-l', lines, 'Large budget');
    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await pm.goto(`${consoleUrl}/budgets/${budget.id}`);
    const pager = pm.getByRole('navigation', { name: 'Line pages' });
    await pager.getByText('Lines 1–25 of 1030').waitFor();
    expect(await pm.locator('tr[data-line]').count()).toBe(25);
    expect(await pm.getByTestId('budget-total').textContent()).toBe('$1,271,596.80');
    for (let page = 1; page <= 41; page++) {
      await pager.getByRole('button', { name: 'Next lines' }).click();
      await pager.getByText(`Lines ${page * 25 + 1}–${Math.min((page + 1) * 25, 1030)} of 1030`).waitFor();
    }
    expect(await pm.locator('tr[data-line]').allTextContents()).toEqual(Array.from({ length: 5 }, (_, i) => expect.stringContaining(`${1026 + i}-000`)));
    expect(await pager.getByRole('button', { name: 'Next lines' }).isDisabled()).toBe(true);
    await pager.getByRole('button', { name: 'Previous lines' }).click();
    await pager.getByText('Lines 1001–1025 of 1030').waitFor();
    expect(await pm.locator('tr[data-line="1001-000"]').count()).toBe(1);
  }, 120000);

  it('a modification can change any line of a budget over 1,000 lines: the line picker pages through the service, and the chosen line stays chosen', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    await linkProjectToErpJob(client, { system: 'cmic', projectId: 'tower-m', jobNumber: 'J-M1' });
    const lines = Array.from({ length: 1030 }, (_, i) => ({ costCode: COST_CODES[i % 3].code, description: `Line ${String(i + 1).padStart(4, '0')}`, amount: '10.00' }));
    const budget = await createBudget(client, 'tower-m', lines, 'Large exported budget');
    await exportAndPost(client, 'cmic', 'J-M1', budget.id);
    const stored = await client.budget('pm', 'GET', `/budgets/${budget.id}/lines?limit=5000`);
    const lastLine = (stored.body as { items: { id: string; description: string }[] }).items.find((l) => l.description === 'Line 1030')!;

    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await pm.goto(`${consoleUrl}/budgets/${budget.id}`);
    const form = pm.getByRole('form', { name: 'New modification' });
    const picker = form.getByRole('combobox', { name: 'Line' });
    const choices = form.getByRole('navigation', { name: 'Line choices' });
    await choices.getByText('Choosing from lines 1–100 of 1030').waitFor();
    expect(await picker.locator('option').count()).toBe(101);
    for (let page = 1; page <= 10; page++) {
      await choices.getByRole('button', { name: 'Next choices' }).click();
      await choices.getByText(`Choosing from lines ${page * 100 + 1}–${Math.min((page + 1) * 100, 1030)} of 1030`).waitFor();
    }
    expect(await choices.getByRole('button', { name: 'Next choices' }).isDisabled()).toBe(true);
    // Line 1,030 is beyond the 1,000 lines the budget's own answer carries.
    await picker.selectOption({ label: `${COST_CODES[1029 % 3].code} Line 1030` });
    await choices.getByRole('button', { name: 'Previous choices' }).click();
    await choices.getByText('Choosing from lines 901–1000 of 1030').waitFor();
    expect(await picker.inputValue()).toBe(lastLine.id);
    await form.getByRole('textbox', { name: 'Modification description' }).fill('Last line grows');
    await form.getByRole('textbox', { name: /Amount to add/ }).fill('25.00');
    await form.getByRole('button', { name: 'Create modification' }).click();
    await pm.locator('ul.mods li').filter({ hasText: 'Last line grows' }).getByText(COST_CODES[1029 % 3].code).waitFor();
    await until('the total has the modification', async () => (await pm.getByTestId('budget-total').textContent()) === '$10,325.00');
    const after = await client.budget('pm', 'GET', `/budgets/${budget.id}`);
    expect((after.body as { modifications: { changes: { lineId: string; amount: string }[] }[] }).modifications.map((m) => m.changes)).toEqual([[expect.objectContaining({ lineId: lastLine.id, amount: '25.00' })]]);
  }, 180000);

  it('a project with more budgets than one page of the list shows the rest behind "More budgets"', async () => {
    const { e2e, consoleUrl } = platform();
    const client = await e2e.newCompany('console');
    for (let i = 1; i <= 101; i++) await createBudget(client, 'tower-many', [], `Budget ${String(i).padStart(3, '0')}`);
    const pm = await signedIn(browser, consoleUrl, client.companyId, 'pm');
    await pm.goto(`${consoleUrl}/projects/tower-many`);
    await pm.getByRole('link', { name: 'Budget 100' }).waitFor();
    expect(await pm.getByRole('link', { name: 'Budget 101' }).count()).toBe(0);
    await pm.getByRole('button', { name: 'More budgets' }).click();
    await pm.getByRole('link', { name: 'Budget 101' }).waitFor();
    expect(await pm.getByRole('button', { name: 'More budgets' }).count()).toBe(0);
  }, 120000);
});
