import type { z } from 'zod';
import { port, serviceConfigSchema } from '@budget-erp/service-kit';

export const approvalConfigSchema = serviceConfigSchema({ PORT: port(3002) });
export type ApprovalConfig = z.output<typeof approvalConfigSchema>;
