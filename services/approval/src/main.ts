import 'reflect-metadata';
import { loadConfigOrExit } from '@budget-erp/service-kit';
import { approvalConfigSchema } from './config';
import { startApprovalService } from './start';

void startApprovalService(loadConfigOrExit(approvalConfigSchema)).catch((error: Error) => {
  console.error(JSON.stringify({ level: 'error', service: 'approval', msg: 'failed to start', error: error.message }));
  process.exit(1);
});
