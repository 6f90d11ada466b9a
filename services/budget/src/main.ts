import 'reflect-metadata';
import { ConfigError } from '@budget-erp/service-kit';
import { startBudgetService } from './start';

startBudgetService().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
