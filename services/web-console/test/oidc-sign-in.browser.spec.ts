import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '@budget-erp/dev-platform';
import { Browser, launchBrowser, screenshot } from './browser';
import { useConsolePlatform } from './console-platform';

const ROOT = join(__dirname, '..', '..', '..');

interface Issuer {
  url: string;
  process: ChildProcess;
}

/** Starts the OpenID Connect provider in its own process and waits until it listens. */
async function startIssuer(env: Record<string, string>): Promise<Issuer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'oidc-issuer.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, OIDC_PORT: String(port), NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<Issuer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the OIDC provider did not start:\n${output}`)), 30000);
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const ready = /ready (http:\/\/\S+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve({ url: ready[1], process: child });
      }
    });
    child.on('exit', (code) => reject(new Error(`the OIDC provider exited with ${code}:\n${output}`)));
  });
}

describe('web console: sign-in with OpenID Connect (authorization code + PKCE) against a real provider', () => {
  const companyId = `oidc-${randomBytes(3).toString('hex')}`;
  let issuer: Issuer;
  let consolePort = 0;
  beforeAll(async () => {
    consolePort = await freePort();
    issuer = await startIssuer({ OIDC_REDIRECT_URI: `http://127.0.0.1:${consolePort}/auth/callback`, OIDC_COMPANY_ID: companyId });
  }, 60000);
  afterAll(() => {
    issuer?.process.kill('SIGTERM');
  });
  const tokens = () => ({ JWKS_URL: `${issuer.url}/jwks`, JWT_ISSUER: issuer.url, JWT_AUDIENCE: 'budget-erp-api' });
  const platform = useConsolePlatform(() => ({
    webConsolePort: consolePort,
    serviceEnv: {
      budget: tokens(),
      approval: tokens(),
      'erp-connector': tokens(),
      notification: tokens(),
      // Not the development secret: the console offers only the company sign-in.
      'web-console': { JWT_SECRET: 'production-like-secret', OIDC_ISSUER: issuer.url, OIDC_CLIENT_ID: 'web-console' },
    },
  }));
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
  });

  it("a project manager signs in at the company's issuer and the services accept the issuer's token for her work", async () => {
    const { consoleUrl } = platform();
    const page = await browser.context.newPage();
    await page.goto(`${consoleUrl}/projects`);
    expect(await page.getByRole('form', { name: 'Dev sign-in' }).count()).toBe(0);
    await screenshot(page, 'sign-in-oidc');
    await page.getByRole('button', { name: 'Sign in with your company account' }).click();

    // The provider's own login and consent pages.
    await page.waitForURL((url) => url.origin === issuer.url);
    await page.locator('input[name="login"]').fill('pat');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.getByRole('button', { name: /continue/i }).click();

    await page.waitForURL((url) => url.toString().startsWith(`${consoleUrl}/projects`));
    await page.getByText('Pat Manager · ' + companyId).waitFor();
    await page.getByRole('textbox', { name: 'Project' }).fill('tower-oidc');
    await page.getByRole('button', { name: 'Open project' }).click();
    await page.getByRole('textbox', { name: 'Budget name' }).fill('Signed in with OIDC');
    await page.getByRole('button', { name: 'Create budget' }).click();
    await page.getByRole('heading', { name: 'Signed in with OIDC' }).waitFor();
    // PM: no ERP Integrations permission in the issuer's claims, so no ERP Integrations tool.
    expect(await page.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'ERP Integrations' }).count()).toBe(0);
  }, 120000);
});
