import {
  acceptWhenListed,
  COST_CODES,
  createBudget,
  eventually,
  linkProjectToErpJob,
  lockAndSend,
  postEntriesInErp,
  simulatorJob,
  waitForErpStatus,
} from '../src';
import { useE2ePlatform } from './support';

const platform = useE2ePlatform();

describe('a service killed mid-flow (kill -9, then started again)', () => {
  it.each([['budget'], ['approval'], ['erp-connector'], ['notification']])(
    'when %s dies right after the approver accepts, every budget still ends synced with one export and one email per notification',
    async (service) => {
      const client = await platform().newCompany(`restart-${service}`);
      const projectId = 'p-restart';
      const jobNumber = 'J-RESTART';
      await linkProjectToErpJob(client, { system: 'cmic', projectId, jobNumber });
      const budgets = [];
      for (const name of ['Alpha', 'Bravo', 'Charlie']) {
        budgets.push(await createBudget(client, projectId, [{ costCode: COST_CODES[0].code, amount: '100.00' }], `${name} ${service}`));
      }
      // Budgets share the project's job: send and accept them one at a time, the last one racing the kill.
      for (const [index, budget] of budgets.entries()) {
        await lockAndSend(client, budget.id);
        await acceptWhenListed(client, budget.id);
        if (index === budgets.length - 1) {
          await platform().platform.restartService(service, 'SIGKILL');
        } else {
          await waitForErpStatus(client, budget.id, 'awaiting_posting', 60000);
          await postEntriesInErp(client, 'cmic', jobNumber);
          await waitForErpStatus(client, budget.id, 'synced', 60000);
        }
      }
      const last = budgets[budgets.length - 1];
      await waitForErpStatus(client, last.id, 'awaiting_posting', 90000);
      await postEntriesInErp(client, 'cmic', jobNumber);
      for (const budget of budgets) await waitForErpStatus(client, budget.id, 'synced', 90000);

      const job = await simulatorJob(client, 'cmic', jobNumber);
      expect(job.exports).toHaveLength(budgets.length);

      const mail = await eventually('a posted email for every budget', async () => {
        const received = await client.mailTo(client.people.pm.email);
        const posted = received.filter((m) => /posted/i.test(m.subject));
        return posted.length >= budgets.length ? received : undefined;
      }, { timeoutMs: 60000 });
      // Give a duplicate the time it would need to show up before counting.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const subjects = (await client.mailTo(client.people.pm.email)).map((m) => m.subject);
      expect(subjects.length).toBeGreaterThanOrEqual(mail.length);
      expect(new Set(subjects).size).toBe(subjects.length);
    },
    240000,
  );
});
