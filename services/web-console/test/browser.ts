import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Locator, Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the main screens, written as test artefacts (gitignored). */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', '..', 'tmp', 'web-console-screenshots');

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Debian's Chromium with a fresh profile, kept off the network it cannot reach. Each page keeps its
 * own session (the console keeps the token per tab), so one page is one person.
 */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'web-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
  context.setDefaultTimeout(30000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

export type Persona = 'pm' | 'approver' | 'integrations' | 'viewer' | 'admin';
const PERSONA_LABELS: Record<Persona, RegExp> = {
  admin: /^Company administrator/,
  pm: /^Project manager/,
  approver: /^Accounting approver/,
  integrations: /^ERP integrations user/,
  viewer: /^Read-only user/,
};

/** A person of a company opens the console in a new tab and signs in with the dev sign-in. */
export async function signedIn(browser: Browser, consoleUrl: string, companyId: string, persona: Persona): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (error) => console.error(`browser error (${persona}): ${error.message}`));
  await page.goto(consoleUrl);
  await page.getByRole('textbox', { name: 'Company' }).fill(companyId);
  await page.getByRole('radio', { name: PERSONA_LABELS[persona] }).check();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** Polls until the condition holds: the console updates itself, nobody reloads the page. */
export async function until(description: string, condition: () => Promise<boolean>, timeoutMs = 45000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}`);
}

/** Waits until the ERP status badge inside `scope` shows `status`. */
export async function statusShows(scope: Locator, status: string, timeoutMs = 45000): Promise<void> {
  await scope.locator(`[data-status="${status}"]`).waitFor({ timeout: timeoutMs });
}

export async function enabled(locator: Locator, timeoutMs = 45000): Promise<void> {
  await until(`${locator.toString()} is enabled`, () => locator.isEnabled(), timeoutMs);
}
