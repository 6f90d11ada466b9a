import 'reflect-metadata';
import { loadConfigOrExit } from '@budget-erp/service-kit';
import { notificationConfigSchema } from './config';
import { startNotificationService } from './start';

void startNotificationService(loadConfigOrExit(notificationConfigSchema)).catch((error: Error) => {
  console.error(JSON.stringify({ level: 'error', service: 'notification', msg: 'failed to start', error: error.message }));
  process.exit(1);
});
