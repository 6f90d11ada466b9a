/**
 * `npm start`: the whole platform on embedded defaults, one process per service.
 *   npm start                   dev broker (unless KAFKA_BROKERS is set), PostgreSQL if reachable else PGlite
 *   npm start -- --pglite       force the embedded PGlite databases
 *   npm start -- --fresh        start from empty: wipe .dev-data and recreate the services' PostgreSQL databases
 *   npm start -- --memory       keep nothing on disk
 *   npm start -- --quiet        do not echo the services' logs
 *   npm start -- --ephemeral-ports --database-prefix t_x_   free ports and throw-away databases (tests)
 */
import { DEV_JWT_SECRET } from '@budget-erp/auth';
import { DEFAULT_DATA_DIR, startPlatform } from './platform';
import { DEMO_COMPANY_ID, DEMO_ERP_JOB, ensureDemoErpJob } from './demo-company';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = new Set(argv);
  const quiet = args.has('--quiet');
  const prefixIndex = argv.indexOf('--database-prefix');
  const databasePrefix = prefixIndex >= 0 ? argv[prefixIndex + 1] : undefined;
  console.log('Starting the budget → ERP platform…');
  const platform = await startPlatform({
    database: args.has('--pglite') ? 'pglite' : args.has('--postgres') ? 'postgres' : 'auto',
    ports: args.has('--ephemeral-ports') ? 'ephemeral' : 'default',
    ...(databasePrefix ? { databasePrefix } : {}),
    dataDir: args.has('--memory') ? undefined : DEFAULT_DATA_DIR,
    fresh: args.has('--fresh'),
    logLevel: process.env.LOG_LEVEL ?? 'info',
    onServiceOutput: quiet ? undefined : (service, line) => console.log(`[${service.padEnd(13)}] ${line}`),
  });
  await ensureDemoErpJob(platform.erpSimulatorUrl);
  const { system, jobNumber } = DEMO_ERP_JOB;
  const rows: [string, string][] = [
    ...(platform.webConsole ? ([['Web console', `${platform.webConsole.url}   (open it in a browser)`]] as [string, string][]) : []),
    ['Kafka brokers (KAFKA_BROKERS)', `${platform.kafkaBrokers}${process.env.KAFKA_BROKERS ? '' : '  (dev broker)'}`],
    ...Object.entries(platform.services).map(([name, service]): [string, string] => [
      `${name} service`,
      `${service.url}   docs ${service.url}/docs   db ${platform.databases[name]}`,
    ]),
    ['ERP simulator', `${platform.erpSimulatorUrl}   (control routes under /_sim)`],
    [
      'Demo ERP job',
      `CMiC job ${jobNumber} of company "${DEMO_COMPANY_ID}" (cost codes 01-100, 02-200, 03-300); the accountant posts its entries with ` +
        `curl -X POST '${platform.erpSimulatorUrl}/_sim/${system}/jobs/${jobNumber}/post-entries?companyId=${DEMO_COMPANY_ID}'`,
    ],
    ['SMTP sink', `smtp://${platform.smtp.host}:${platform.smtp.port}   read mail at ${platform.smtp.inboxUrl}`],
    ['Dev token', `npm run -s token -- --company c1 --user u1 --budget admin --erp admin --privilege can_push_to_accounting`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log('\nThe platform is up:\n');
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
  if (platform.jwtSecret === DEV_JWT_SECRET) {
    console.log(`\n  Tokens are signed with the dev secret (JWT_SECRET=${DEV_JWT_SECRET}); the web console offers a dev sign-in.`);
  }
  console.log('\nPress Ctrl-C to stop everything.\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the platform…`);
    await platform.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  for (const [name, service] of Object.entries(platform.services)) {
    void service.exited.then((code) => {
      if (!stopping) console.error(`[${name}] exited with code ${code}; the rest of the platform keeps running.`);
    });
  }
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
