import { randomBytes } from 'node:crypto';
import { COST_CODES, E2ePlatform, ErpSystem, PlatformClient, startE2ePlatform } from '@budget-erp/e2e';

/** The platform as `npm start` runs it, with the web console, for one test file. */
export function useConsolePlatform(
  options: () => Parameters<typeof startE2ePlatform>[0] = () => ({}),
): () => { e2e: E2ePlatform; consoleUrl: string } {
  let e2e: E2ePlatform | undefined;
  beforeAll(async () => {
    e2e = await startE2ePlatform({ webConsole: true, ...options() });
  }, 180000);
  afterAll(async () => {
    await e2e?.stop();
  }, 60000);
  return () => {
    if (!e2e?.platform.webConsole) throw new Error('the platform and its web console have not started');
    return { e2e, consoleUrl: e2e.platform.webConsole.url };
  };
}

/** A brand-new company and, in the ERP (the simulator plays it), a job with the usual cost codes. */
export async function companyWithErpJob(e2e: E2ePlatform, system: ErpSystem = 'cmic'): Promise<{ client: PlatformClient; projectId: string; jobNumber: string }> {
  const client = await e2e.newCompany('console');
  const jobNumber = `J-${randomBytes(3).toString('hex')}`;
  const job = await client.simulator('POST', '/_sim/jobs', { system, companyId: client.companyId, jobNumber, costCodes: COST_CODES });
  if (job.status !== 201) throw new Error(`simulator refused the job: ${job.status} ${JSON.stringify(job.body)}`);
  return { client, projectId: `tower-${randomBytes(2).toString('hex')}`, jobNumber };
}
