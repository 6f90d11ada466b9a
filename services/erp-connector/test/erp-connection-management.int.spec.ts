import { ERP_SYSTEM_IDS, type ErpSystem } from '@budget-erp/contracts';
import { startErpSimulator, type ErpSimulator } from '@budget-erp/erp-simulator';
import { accepted, tokenFor, World } from './support/world';

/**
 * Connection management through the connector's public routes, against the ERP simulator (a
 * second one plays a company's own CMiC instance), real PostgreSQL and the dev broker.
 */
const CANARY = 'canary-Conn-5e1f0a2b';
const SYSTEMS = ERP_SYSTEM_IDS;
type System = ErpSystem;
const company = (system: System) => `cm-${system}`;

let world: World;
/** A company's own CMiC instance, somewhere other than the platform's ERP address. */
let ownCmic: ErpSimulator;

const createJob = (sim: string, system: System, companyId: string, jobNumber: string, name: string) =>
  fetch(`${sim}/_sim/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ system, companyId, jobNumber, name, costCodes: [{ code: '01-100', description: 'Concrete' }] }),
  }).then((r) => expect(r.status).toBe(201));

beforeAll(async () => {
  ownCmic = await startErpSimulator({ port: 0 });
  world = await World.start('erp_connector_connection_mgmt', { ERP_CUSTOMER_URL_ALLOWLIST: 'http://127.0.0.1:*, https://*.cmiccloud.com' });
  for (const system of SYSTEMS) {
    const res = await world.http('PUT', '/erp/connection', tokenFor(company(system)), {
      system,
      settings: { credentials: { username: 'integration', password: CANARY, accessToken: CANARY } },
    });
    expect(res.status).toBe(200);
  }
}, 90_000);

afterAll(async () => {
  await world?.stop();
  await ownCmic?.stop();
});

describe('GET /erp/connection', () => {
  it('shows the connection with hasCredentials and never the credentials themselves', async () => {
    const res = await world.http('GET', '/erp/connection', tokenFor(company('cmic'), 'read_only'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      companyId: company('cmic'),
      system: 'cmic',
      erpCompanyId: company('cmic'),
      estimatesEnabled: true,
      timeZone: 'UTC',
      baseUrl: null,
      hasCredentials: true,
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
  });

  it('for a company without a connection answers 404 ERP.CONNECTION_MISSING, whatever other companies have', async () => {
    const res = await world.http('GET', '/erp/connection', tokenFor('cm-nobody'));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'ERP.CONNECTION_MISSING' });
  });

  it('without any ERP Integrations permission answers 403', async () => {
    const res = await world.http('GET', '/erp/connection', tokenFor(company('cmic'), 'none'));
    expect(res.status).toBe(403);
  });
});

describe('PUT /erp/connection validation', () => {
  it('names every bad field in one 400 and changes nothing', async () => {
    const res = await world.http('PUT', '/erp/connection', tokenFor(company('sage300cre')), {
      system: 'sap',
      settings: { timeZone: 'Mars/Base', estimatesEnabled: 'yes', baseUrl: 'ftp://files.example.com', extra: 1 },
    });
    expect(res.status).toBe(400);
    const paths = (res.body.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['system', 'settings.timeZone', 'settings.estimatesEnabled', 'settings.baseUrl']));
    expect(paths.some((p) => p === 'settings' || p.startsWith('settings.extra'))).toBe(true);
    const after = await world.http('GET', '/erp/connection', tokenFor(company('sage300cre')));
    expect(after.body.system).toBe('sage300cre');
  });

  it.each([
    ['an address off the allow-list', 'http://169.254.169.254:80', 'not on the platform'],
    ['an address with credentials in it', 'https://user:pw@acme.cmiccloud.com', 'must not carry credentials'],
    ['the allowed domain itself where only its subdomains are allowed', 'https://cmiccloud.com', 'not on the platform'],
    ['an https address where only http is allowed on that host', 'https://127.0.0.1:8443', 'not on the platform'],
  ])('refuses %s as a company CMiC address with 400 on settings.baseUrl', async (_what, baseUrl, words) => {
    const res = await world.http('PUT', '/erp/connection', tokenFor(company('cmic')), { system: 'cmic', settings: { baseUrl } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'settings.baseUrl', message: expect.stringContaining(words) }]);
  });

  it('refuses a company address for an ERP that is one service for every company (QuickBooks Online)', async () => {
    const res = await world.http('PUT', '/erp/connection', tokenFor(company('quickbooks')), { system: 'quickbooks', settings: { baseUrl: ownCmic.url } });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'settings.baseUrl', message: expect.stringContaining('QuickBooks Online is one service for every company') }]);
  });

  it('a read-only integrations user may not change the connection (403)', async () => {
    const res = await world.http('PUT', '/erp/connection', tokenFor(company('cmic'), 'read_only'), { system: 'cmic' });
    expect(res.status).toBe(403);
  });
});

describe('a company CMiC instance at its own address', () => {
  const companyId = 'cm-own-cmic';

  it('is stored, shown, and used for the job picker, linking and the connection test', async () => {
    await createJob(ownCmic.url, 'cmic', companyId, 'OWN-1', 'Harbor Tower');
    // The platform's CMiC (the other simulator) has no such job: finding it proves the company address is called.
    const put = await world.http('PUT', '/erp/connection', tokenFor(companyId), { system: 'cmic', settings: { baseUrl: ownCmic.url } });
    expect(put.status).toBe(200);
    expect(put.body.baseUrl).toBe(ownCmic.url);
    expect((await world.http('GET', '/erp/connection', tokenFor(companyId))).body.baseUrl).toBe(ownCmic.url);

    const jobs = await world.http('GET', '/erp/jobs?search=harbor', tokenFor(companyId));
    expect(jobs.body).toEqual({ items: [{ jobNumber: 'OWN-1', name: 'Harbor Tower' }], page: 1, pageSize: 25, hasMore: false });
    const link = await world.http('POST', '/erp/projects/p-own/link', tokenFor(companyId), { jobNumber: 'OWN-1' });
    expect(link.status).toBe(200);
    const test = await world.http('POST', '/erp/connection/test', tokenFor(companyId));
    expect(test.body).toMatchObject({ status: 'ok', baseUrl: ownCmic.url, reachable: true, credentialsValid: true });
  });

  it('an Acumatica site of the company’s own is called for the job picker', async () => {
    const acumaticaCompany = 'cm-own-acumatica';
    await createJob(ownCmic.url, 'acumatica', 'site-7', 'PRJ-7', 'Harbor Tower');
    const site = `${ownCmic.url}/acumatica/site-7`;
    const put = await world.http('PUT', '/erp/connection', tokenFor(acumaticaCompany), { system: 'acumatica', settings: { baseUrl: site } });
    expect(put.status).toBe(200);
    const jobs = await world.http('GET', '/erp/jobs?search=tower', tokenFor(acumaticaCompany));
    expect(jobs.body).toMatchObject({ items: [{ jobNumber: 'PRJ-7', name: 'Harbor Tower' }], hasMore: false });
  });

  it('switching the company to another ERP forgets the CMiC address; null clears it explicitly', async () => {
    const other = 'cm-own-cmic-2';
    await world.http('PUT', '/erp/connection', tokenFor(other), { system: 'cmic', settings: { baseUrl: 'https://acme.cmiccloud.com' } });
    expect((await world.http('PUT', '/erp/connection', tokenFor(other), { system: 'cmic', settings: { baseUrl: null } })).body.baseUrl).toBeNull();
    await world.http('PUT', '/erp/connection', tokenFor(other), { system: 'cmic', settings: { baseUrl: 'https://acme.cmiccloud.com' } });
    expect((await world.http('PUT', '/erp/connection', tokenFor(other), { system: 'sage300cre' })).body.baseUrl).toBeNull();
  });
});

describe('POST /erp/connection/test', () => {
  afterEach(async () => {
    await world.simControl('PUT', '/_sim/sage300cre/credentials', { accepted: null });
    await world.simControl('PUT', '/_sim/sage300cre/faults', { mode: 'ok' });
  });

  it('when the ERP answers and accepts the credentials, answers ok', async () => {
    const res = await world.http('POST', '/erp/connection/test', tokenFor(company('sage300cre')));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      erpSystem: 'sage300cre',
      baseUrl: world.sim.url,
      reachable: true,
      credentialsValid: true,
      reasonCode: null,
      message: expect.any(String),
      checkedAt: expect.any(String),
    });
  });

  it('when the ERP refuses the credentials, answers failed with credentialsValid false and the ERP’s own reason', async () => {
    await world.simControl('PUT', '/_sim/sage300cre/credentials', { accepted: ['Basic c29tZW9uZTplbHNl'] });
    const res = await world.http('POST', '/erp/connection/test', tokenFor(company('sage300cre')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'failed', reachable: true, credentialsValid: false, reasonCode: 'connection_missing' });
    expect(res.body.message).toContain('The user name or password is incorrect');
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
  });

  it('when the ERP cannot be reached, answers failed with reachable false', async () => {
    await world.simControl('PUT', '/_sim/sage300cre/faults', { mode: 'down' });
    const res = await world.http('POST', '/erp/connection/test', tokenFor(company('sage300cre')));
    expect(res.body).toMatchObject({ status: 'failed', reachable: false, credentialsValid: null, reasonCode: 'erp_unavailable' });
  });

  it('for a company without a connection answers 404, and a read-only user may not run it (403)', async () => {
    expect((await world.http('POST', '/erp/connection/test', tokenFor('cm-nobody'))).status).toBe(404);
    expect((await world.http('POST', '/erp/connection/test', tokenFor(company('sage300cre'), 'read_only'))).status).toBe(403);
  });
});

describe.each(SYSTEMS)('GET /erp/jobs on %s', (system) => {
  beforeAll(async () => {
    for (const [job, name] of [
      ['J-100', 'Riverside Clinic'],
      ['J-200', 'Riverside Parking'],
      ['J-300', 'Main Street Library'],
    ]) {
      await createJob(world.sim.url, system, company(system), job, name);
    }
    // Another company's job with a matching name must never show.
    await createJob(world.sim.url, system, `${company(system)}-other`, 'J-999', 'Riverside Offices');
  });

  it('lists the jobs whose name matches the search, case-insensitively, from the ERP', async () => {
    const res = await world.http('GET', '/erp/jobs?search=RIVERSIDE', tokenFor(company(system), 'read_only'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { jobNumber: 'J-100', name: 'Riverside Clinic' },
        { jobNumber: 'J-200', name: 'Riverside Parking' },
      ],
      page: 1,
      pageSize: 25,
      hasMore: false,
    });
  });

  it('pages: the first page says more follow, the last one does not', async () => {
    const first = await world.http('GET', '/erp/jobs?page=1&pageSize=2', tokenFor(company(system)));
    expect(first.body).toMatchObject({ items: [{ jobNumber: 'J-100' }, { jobNumber: 'J-200' }], hasMore: true });
    const second = await world.http('GET', '/erp/jobs?page=2&pageSize=2', tokenFor(company(system)));
    expect(second.body).toMatchObject({ items: [{ jobNumber: 'J-300', name: 'Main Street Library' }], page: 2, hasMore: false });
  });

  it('when the ERP is down, answers 409 ERP.UNAVAILABLE', async () => {
    await world.simControl('PUT', `/_sim/${system}/faults`, { mode: 'error500', count: 1 });
    const res = await world.http('GET', '/erp/jobs', tokenFor(company(system)));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ERP.UNAVAILABLE');
  });
});

describe('GET /erp/jobs input', () => {
  it('names every bad query parameter in one 400', async () => {
    const res = await world.http('GET', '/erp/jobs?page=0&pageSize=500&sort=name', tokenFor(company('cmic')));
    expect(res.status).toBe(400);
    const paths = (res.body.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['page', 'pageSize']));
    expect(paths.length).toBeGreaterThanOrEqual(3);
  });

  it('for a company without a connection answers 409 ERP.CONNECTION_MISSING', async () => {
    const res = await world.http('GET', '/erp/jobs', tokenFor('cm-nobody'));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ERP.CONNECTION_MISSING');
  });
});

describe('project links', () => {
  const system = 'cmic' as const;
  const token = () => tokenFor(company(system));

  beforeAll(async () => {
    for (const job of ['K-1', 'K-2', 'K-3']) await createJob(world.sim.url, system, company(system), job, `Job ${job}`);
  });

  it('GET /erp/projects/:projectId/link shows a link; another company gets 404 for it', async () => {
    expect((await world.http('GET', '/erp/projects/p-K-1/link', token())).status).toBe(404);
    await world.http('POST', '/erp/projects/p-K-1/link', token(), { jobNumber: 'K-1' });
    const res = await world.http('GET', '/erp/projects/p-K-1/link', tokenFor(company(system), 'read_only'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      projectId: 'p-K-1',
      erpSystem: 'cmic',
      jobNumber: 'K-1',
      jobName: 'Job K-1',
      costCodes: [{ code: '01-100', description: 'Concrete' }],
      supportsSubJobs: true,
      subJobs: [],
      linkedAt: expect.any(String),
    });
    const foreign = await world.http('GET', '/erp/projects/p-K-1/link', tokenFor(company('sage300cre')));
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('ERP.PROJECT_NOT_LINKED');
  });

  it('GET /erp/projects lists only the company’s links, by project id, paged with the total', async () => {
    await world.http('POST', '/erp/projects/p-K-2/link', token(), { jobNumber: 'K-2' });
    await world.http('POST', '/erp/projects/p-K-3/link', token(), { jobNumber: 'K-3' });
    const first = await world.http('GET', '/erp/projects?pageSize=2', token());
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect((first.body.items as { projectId: string }[]).map((l) => l.projectId)).toEqual(['p-K-1', 'p-K-2']);
    const second = await world.http('GET', '/erp/projects?page=2&pageSize=2', token());
    expect((second.body.items as { projectId: string }[]).map((l) => l.projectId)).toEqual(['p-K-3']);
    const other = await world.http('GET', '/erp/projects', tokenFor(company('quickbooks')));
    expect(other.body).toMatchObject({ items: [], total: 0 });
    const bad = await world.http('GET', '/erp/projects?page=-1&pageSize=x', token());
    expect(bad.status).toBe(400);
    expect((bad.body.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['page', 'pageSize']);
  });

  it('DELETE /erp/projects/:projectId/link is refused with 409 while an export awaits posting, and unlinks once it is posted', async () => {
    await world.http('POST', '/erp/projects/p-K-2/link', token(), { jobNumber: 'K-2' });
    const exported = accepted({ companyId: company(system), system, jobNumber: 'K-2', lines: [{ costCode: '01-100', amount: '500.00' }] });
    expect(exported.summary.projectId).toBe('p-K-2');
    await world.requestExport(exported);
    await world.waitForWire('export.succeeded', (m) => m.value.exportId === exported.exportId);

    const refused = await world.http('DELETE', '/erp/projects/p-K-2/link', token());
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ERP.EXPORTS_PENDING', message: expect.stringContaining('not been posted') });
    expect((await world.http('GET', '/erp/projects/p-K-2/link', token())).status).toBe(200);

    await world.simControl('POST', `/_sim/${system}/jobs/K-2/post-entries?companyId=${company(system)}`);
    await world.waitForWire('erp.posted', (m) => m.value.exportId === exported.exportId);
    const removed = await world.http('DELETE', '/erp/projects/p-K-2/link', token());
    expect(removed.status).toBe(204);
    expect((await world.http('GET', '/erp/projects/p-K-2/link', token())).status).toBe(404);
    expect((await world.http('DELETE', '/erp/projects/p-K-2/link', token())).status).toBe(404);
  });

  it('another company cannot unlink the project (404) and a read-only user may not (403); the link stays', async () => {
    expect((await world.http('DELETE', '/erp/projects/p-K-3/link', tokenFor(company('sage300cre')))).status).toBe(404);
    expect((await world.http('DELETE', '/erp/projects/p-K-3/link', tokenFor(company(system), 'read_only'))).status).toBe(403);
    expect((await world.http('GET', '/erp/projects/p-K-3/link', token())).status).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('documents the connection management routes', async () => {
    const res = await fetch(`${world.service!.url}/docs/json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/erp/connection'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(doc.paths['/erp/connection/test']).toHaveProperty('post');
    expect(doc.paths['/erp/jobs']).toHaveProperty('get');
    expect(Object.keys(doc.paths['/erp/projects/{projectId}/link'] ?? {}).sort()).toEqual(['delete', 'get', 'post']);
    expect(doc.paths['/erp/projects']).toHaveProperty('get');
  });
});

describe('when the operator narrows the allow-list', () => {
  it('a stored company address it no longer allows is never called: the job picker and the test answer 409 ERP.ADDRESS_NOT_ALLOWED, the settings still show', async () => {
    const companyId = 'cm-own-cmic';
    expect((await world.http('GET', '/erp/connection', tokenFor(companyId))).body.baseUrl).toBe(ownCmic.url);
    await world.startService({ ERP_CUSTOMER_URL_ALLOWLIST: 'https://*.cmiccloud.com' });

    const jobs = await world.http('GET', '/erp/jobs', tokenFor(companyId));
    expect(jobs.status).toBe(409);
    expect(jobs.body).toMatchObject({ code: 'ERP.ADDRESS_NOT_ALLOWED', message: expect.stringContaining('not on the platform') });
    expect((await world.http('POST', '/erp/connection/test', tokenFor(companyId))).body.code).toBe('ERP.ADDRESS_NOT_ALLOWED');
    expect((await world.http('GET', '/erp/connection', tokenFor(companyId))).status).toBe(200);
  });
});
