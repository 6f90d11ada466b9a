/** The demo company of the console's dev sign-in, and a job its ERP holds, so a newcomer can link a project by clicking. */
export const DEMO_COMPANY_ID = 'demo';
export const DEMO_ERP_JOB = { system: 'cmic', jobNumber: 'DEMO-100', name: 'Demo tower' } as const;
export const DEMO_COST_CODES = [
  { code: '01-100', description: 'General conditions' },
  { code: '02-200', description: 'Site work' },
  { code: '03-300', description: 'Concrete' },
];

/** Creates the demo job in the ERP simulator unless it already holds it (its books survive restarts). */
export async function ensureDemoErpJob(erpSimulatorUrl: string): Promise<'created' | 'kept'> {
  const { system, jobNumber, name } = DEMO_ERP_JOB;
  const existing = await fetch(`${erpSimulatorUrl}/_sim/${system}/jobs/${jobNumber}?companyId=${DEMO_COMPANY_ID}`);
  if (existing.status === 200) return 'kept';
  const created = await fetch(`${erpSimulatorUrl}/_sim/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ system, companyId: DEMO_COMPANY_ID, jobNumber, name, costCodes: DEMO_COST_CODES }),
  });
  if (created.status !== 201) throw new Error(`the ERP simulator refused the demo job: ${created.status} ${await created.text()}`);
  return 'created';
}
