/**
 * `npm run demo`: walks through the happy path of one budget against a running `npm start`,
 * printing each step, its HTTP call and answer, and the events on the wire.
 *
 * Overridable: BUDGET_URL, APPROVAL_URL, ERP_CONNECTOR_URL, NOTIFICATION_URL, ERP_SIMULATOR_URL,
 * SMTP_INBOX_URL, KAFKA_BROKERS, JWT_SECRET, DEMO_ERP (an ERP of libs/contracts ERP_SYSTEMS: cmic, sage300cre, quickbooks, acumatica).
 */
import { randomBytes } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { AllTopics } from '@budget-erp/contracts';
import { DEV_JWT_SECRET } from '@budget-erp/auth';
import { ApiResponse, ErpSystem, eventually, PlatformClient, PlatformUrls } from './client';
import { COST_CODES } from './flows';

const urls: PlatformUrls = {
  budget: process.env.BUDGET_URL ?? 'http://127.0.0.1:3001',
  approval: process.env.APPROVAL_URL ?? 'http://127.0.0.1:3002',
  erpConnector: process.env.ERP_CONNECTOR_URL ?? 'http://127.0.0.1:3003',
  notification: process.env.NOTIFICATION_URL ?? 'http://127.0.0.1:3004',
  erpSimulator: process.env.ERP_SIMULATOR_URL ?? 'http://127.0.0.1:3010',
  smtpInbox: process.env.SMTP_INBOX_URL ?? 'http://127.0.0.1:8025',
};
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const system = (process.env.DEMO_ERP ?? 'cmic') as ErpSystem;
const STEP_TIMEOUT_MS = 30000;

const c = process.stdout.isTTY
  ? { bold: (s: string) => `\x1b[1m${s}\x1b[0m`, dim: (s: string) => `\x1b[2m${s}\x1b[0m`, cyan: (s: string) => `\x1b[36m${s}\x1b[0m`, green: (s: string) => `\x1b[32m${s}\x1b[0m` }
  : { bold: (s: string) => s, dim: (s: string) => s, cyan: (s: string) => s, green: (s: string) => s };

function short(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

let stepNumber = 0;
function step(title: string, explanation: string): void {
  stepNumber += 1;
  console.log(`\n${c.bold(`${stepNumber}. ${title}`)}`);
  console.log(`   ${explanation}`);
}

/** Makes every HTTP call of the client print itself, unless muted (while polling). */
function traced(client: PlatformClient): { mute<T>(work: () => Promise<T>): Promise<T> } {
  let muted = false;
  const call = client.call.bind(client);
  client.call = async <T>(role: Parameters<PlatformClient['call']>[0], method: string, url: string, body?: unknown): Promise<ApiResponse<T>> => {
    const response = await call<T>(role, method, url, body);
    if (!muted) {
      console.log(c.cyan(`   → ${method} ${url}${role ? ` (as ${role})` : ''}${body !== undefined ? ` ${short(body, 200)}` : ''}`));
      console.log(c.cyan(`   ← ${response.status} ${short(response.body, 300)}`));
    }
    return response;
  };
  return {
    async mute(work) {
      muted = true;
      try {
        return await work();
      } finally {
        muted = false;
      }
    },
  };
}

function expectStatus(response: ApiResponse, status: number, what: string): void {
  if (response.status !== status) throw new Error(`${what} answered ${response.status} instead of ${status}: ${short(response.body, 400)}`);
}

async function checkPlatformIsUp(): Promise<void> {
  const probes: [string, string][] = [
    ['budget service', `${urls.budget}/health/ready`],
    ['approval service', `${urls.approval}/health/ready`],
    ['erp-connector service', `${urls.erpConnector}/health/ready`],
    ['notification service', `${urls.notification}/health/ready`],
    ['ERP simulator', `${urls.erpSimulator}/_sim/jobs`],
    ['SMTP sink', `${urls.smtpInbox}/messages`],
  ];
  const down: string[] = [];
  await Promise.all(
    probes.map(async ([name, url]) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
        // Any HTTP answer means the process is there; the services must also be ready.
        if (name.endsWith('service') && response.status !== 200) down.push(`${name} at ${url} is not ready (${response.status})`);
      } catch {
        down.push(`${name} does not answer at ${url}`);
      }
    }),
  );
  if (down.length) {
    throw new Error(`The platform is not running:\n  - ${down.join('\n  - ')}\nStart it with npm start (in another terminal), then run npm run demo again.`);
  }
}

async function watchTheWire(companyId: string): Promise<Consumer> {
  const kafka = new Kafka({ clientId: 'budget-erp-demo', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 2 } });
  const consumer = kafka.consumer({ groupId: `demo-${randomBytes(4).toString('hex')}`, sessionTimeout: 10000 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: AllTopics, fromBeginning: false });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw new Error(`Cannot reach Kafka at ${brokers.join(',')} (${(error as Error).message}). Start the platform with npm start.`);
  }
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const header = (name: string) => message.headers?.[name]?.toString();
      // Only this demo's company: other users of the platform publish on the same topics.
      if (header('ce_companyid') !== companyId) return;
      let summary = '';
      try {
        const payload = JSON.parse(message.value?.toString() ?? '{}') as Record<string, unknown>;
        summary = short(
          Object.fromEntries(Object.entries(payload).filter(([key, value]) => key !== 'lines' && (typeof value !== 'object' || value === null))),
          140,
        );
      } catch {
        summary = short(message.value?.toString() ?? '', 140);
      }
      console.log(c.green(`   ⇢ event ${header('ce_type') ?? topic}  key=${message.key?.toString() ?? '-'}  ${summary}`));
    },
  });
  await Promise.race([joined, new Promise((_, reject) => setTimeout(() => reject(new Error(`Kafka consumer did not join its group within 15 s (${brokers.join(',')})`)), 15000))]);
  return consumer;
}

async function main(): Promise<void> {
  console.log(c.bold('Budget → ERP platform: the happy path of one budget'));
  console.log(`Services: budget ${urls.budget}, approval ${urls.approval}, erp-connector ${urls.erpConnector}, notification ${urls.notification}`);
  console.log(`ERP simulator ${urls.erpSimulator}, SMTP sink ${urls.smtpInbox}, Kafka ${brokers.join(',')}`);
  await checkPlatformIsUp();

  const suffix = randomBytes(3).toString('hex');
  const client = await PlatformClient.forCompany(urls, `demo-${suffix}`, process.env.JWT_SECRET ?? DEV_JWT_SECRET);
  const projectId = `tower-${suffix}`;
  const jobNumber = `JOB-${suffix}`.toUpperCase();
  console.log(`\nCompany ${client.companyId}: PM ${client.people.pm.email}, approver ${client.people.approver.email}, integrations ${client.people.integrations.email}`);
  console.log('Events on the wire for this company are printed as they arrive (⇢).');

  const consumer = await watchTheWire(client.companyId);
  const trace = traced(client);
  try {
    step('The job exists in the ERP', `The ERP simulator plays ${system}: an accountant has set up job ${jobNumber} with three cost codes.`);
    expectStatus(
      await client.simulator('POST', '/_sim/jobs', { system, companyId: client.companyId, jobNumber, costCodes: COST_CODES }),
      201,
      'the ERP simulator',
    );

    step('Connect the company to its ERP', 'An ERP integrations user chooses the company’s ERP.');
    expectStatus(await client.erp('integrations', 'PUT', '/erp/connection', { system }), 200, 'the connection');

    step('Link the project to the ERP job', 'The budget service learns of the link from the erp.project.linked event.');
    expectStatus(await client.erp('integrations', 'POST', `/erp/projects/${projectId}/link`, { jobNumber }), 200, 'the link');

    step('The PM creates a budget', 'Two lines; amounts are exact decimal strings.');
    const created = await client.budget('pm', 'POST', `/projects/${projectId}/budgets`, {
      name: 'Original budget',
      lines: [
        { costCode: COST_CODES[0].code, amount: '125000.00', description: 'Site office and supervision' },
        { costCode: COST_CODES[2].code, amount: '480250.75', description: 'Foundations and slabs' },
      ],
    });
    expectStatus(created, 201, 'create budget');
    const budgetId = (created.body as { id: string }).id;

    step('The PM locks the budget', 'A budget must be locked before it can go to the ERP.');
    expectStatus(await client.budget('pm', 'POST', `/budgets/${budgetId}/lock`, {}), 200, 'lock');

    step('Readiness checks', 'The budget service checks lock, connection, link and cost codes before it lets the PM send.');
    await trace.mute(() =>
      eventually('the readiness checks to pass', async () => (await client.budget('pm', 'GET', `/budgets/${budgetId}/erp-readiness`)).body?.canSend === true, {
        timeoutMs: STEP_TIMEOUT_MS,
      }),
    );
    await client.budget('pm', 'GET', `/budgets/${budgetId}/erp-readiness`);

    step('The PM sends the budget to the ERP', 'It now awaits acceptance by accounting; the budget stays locked.');
    expectStatus(await client.budget('pm', 'POST', `/budgets/${budgetId}/send-to-erp`, {}), 202, 'send');

    step('The approver sees it ready to export', 'The approval service built its list from the budget.sent event.');
    await trace.mute(() =>
      eventually(
        'the budget on the ready-to-export list',
        async () => {
          const list = await client.approval('approver', 'GET', '/erp-integrations/budgets?filter=ready_to_export');
          return (list.body?.items as { budgetId: string }[] | undefined)?.some((item) => item.budgetId === budgetId);
        },
        { timeoutMs: STEP_TIMEOUT_MS },
      ),
    );
    await client.approval('approver', 'GET', '/erp-integrations/budgets?filter=ready_to_export');

    step('The approver accepts', 'budget.accepted starts the export saga in the erp-connector, which writes the budget to the ERP.');
    expectStatus(await client.approval('approver', 'POST', `/erp-integrations/budgets/${budgetId}/accept`, {}), 202, 'accept');

    step('Exported, awaiting posting', 'The ERP holds the entries unposted; the budget stays locked until they are posted.');
    await trace.mute(() =>
      eventually('awaiting_posting', async () => (await client.budget('pm', 'GET', `/budgets/${budgetId}`)).body?.erpStatus === 'awaiting_posting', {
        timeoutMs: STEP_TIMEOUT_MS,
      }),
    );
    await client.budget('pm', 'GET', `/budgets/${budgetId}`);

    step('An accountant posts the entries in the ERP', 'The erp-connector notices the posting on its next check and publishes erp.posted.');
    expectStatus(await client.simulator('POST', `/_sim/${system}/jobs/${jobNumber}/post-entries?companyId=${encodeURIComponent(client.companyId)}`, {}), 200, 'post entries');
    await trace.mute(() =>
      eventually('synced', async () => (await client.budget('pm', 'GET', `/budgets/${budgetId}`)).body?.erpStatus === 'synced', {
        timeoutMs: 60000,
      }),
    );
    await client.budget('pm', 'GET', `/budgets/${budgetId}`);

    step('The PM is told by email', 'The notification service mails the PM through the SMTP sink.');
    await trace.mute(() =>
      eventually('the “posted” email to the PM', async () => (await client.mailTo(client.people.pm.email)).some((m) => /posted/i.test(m.subject)), {
        timeoutMs: STEP_TIMEOUT_MS,
      }),
    ).catch((error: Error) => console.log(`   (${error.message}; the notification service's log says why)`));
    const mail = await trace.mute(() => client.mailTo(client.people.pm.email));
    for (const message of mail) console.log(`   mail to ${client.people.pm.email}: “${message.subject}”`);

    step('The budget’s timeline', 'Every step the budget went through.');
    await client.budget('pm', 'GET', `/budgets/${budgetId}/timeline`);

    step('The PM unlocks the synced budget', 'Posted in the ERP, the budget can be edited again.');
    expectStatus(await client.budget('pm', 'POST', `/budgets/${budgetId}/unlock`, {}), 200, 'unlock');

    // Let the last events arrive before leaving.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    console.log(`\n${c.bold('Where to look')}`);
    console.log(`  API docs           ${urls.budget}/docs  ${urls.approval}/docs  ${urls.erpConnector}/docs  ${urls.notification}/docs`);
    console.log(`  Budget timeline    GET ${urls.budget}/budgets/${budgetId}/timeline  (as the PM: npm run -s token -- --company ${client.companyId} --user ${client.people.pm.userId} --budget admin)`);
    console.log(`  Approver's list    GET ${urls.approval}/erp-integrations/budgets?filter=synced`);
    console.log(`  The job in the ERP ${urls.erpSimulator}/_sim/${system}/jobs/${jobNumber}?companyId=${client.companyId}`);
    console.log(`  Emails             ${urls.smtpInbox}/messages`);
    console.log(`  Notification feed  GET ${urls.notification}/notifications (as the PM)`);
    console.log(`\n${c.green('Done: the budget went send → accept → exported → posted → synced.')}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

const watchdog = setTimeout(() => {
  console.error('\nThe demo did not finish within 3 minutes; is the platform healthy? (npm start)');
  process.exit(1);
}, 180000);
watchdog.unref();

main()
  .then(() => process.exit(0))
  .catch((error: Error) => {
    console.error(`\nThe demo stopped: ${error.message}`);
    process.exit(1);
  });
