import fc from 'fast-check';
import { signDevToken } from '@budget-erp/auth';
import { documentedRoutes, hostileAnswerProblem, hostileRequests, sendHostile } from '@budget-erp/testing';
import { COST_CODES, createBudget, linkProjectToErpJob } from '../src';
import { useE2ePlatform } from './support';

const platform = useE2ePlatform();
// Runs per route: about 35 routes, so ~1,400 requests over the four services (about 10 s).
const runsPerRoute = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 40);

describe('every public route under hostile input (property-based, fast-check)', () => {
  it('answers NUL characters, lone surrogates, 100,000-character strings, out-of-range numbers, duplicate keys, wrong content types and malformed JSON with a 4xx naming the problem, never a 5xx, and every service stays ready', async () => {
    const e2e = platform();
    const client = await e2e.newCompany('fuzz');
    await linkProjectToErpJob(client, { system: 'cmic', projectId: 'p-fuzz', jobNumber: 'J-FUZZ' });
    const budget = await createBudget(client, 'p-fuzz', [{ costCode: COST_CODES[0].code, amount: '100.00' }], 'Fuzz target');
    // One caller allowed everything, so hostile input gets past the guard to validation and below.
    const token = await signDevToken(
      {
        sub: 'fuzz-admin',
        name: 'Fuzz Admin',
        email: 'fuzz@example.com',
        companyId: client.companyId,
        perms: { budget: 'admin', erpIntegrations: 'admin' },
        privileges: ['can_push_to_accounting', 'lock_budget', 'send_and_retrieve_budgets'],
      },
      e2e.platform.jwtSecret,
    );
    const services = { budget: e2e.urls.budget, approval: e2e.urls.approval, 'erp-connector': e2e.urls.erpConnector, notification: e2e.urls.notification };
    const knownIds = [budget.id, 'p-fuzz', 'J-FUZZ', 'cmic'];
    const problems: string[] = [];
    let sent = 0;
    for (const [service, url] of Object.entries(services)) {
      const document = (await (await fetch(`${url}/docs/json`)).json()) as Parameters<typeof documentedRoutes>[0];
      for (const route of documentedRoutes(document)) {
        await fc.assert(
          fc.asyncProperty(hostileRequests(route, knownIds), async (request) => {
            const outcome = await sendHostile(url, request, token);
            sent += 1;
            const problem = hostileAnswerProblem(outcome);
            if (problem) problems.push(`${service}: ${problem}`);
            return problem === null;
          }),
          { numRuns: runsPerRoute, endOnFailure: true },
        ).catch(() => undefined);
      }
      const ready = await fetch(`${url}/health/ready`);
      if (ready.status !== 200) problems.push(`${service}: not ready after the fuzzing (${ready.status}): ${await ready.text()}`);
    }
    process.stdout.write(`hostile input: ${sent} requests over ${Object.keys(services).length} services\n`);
    expect(problems).toEqual([]);
  }, 240_000);
});
