import { z } from 'zod';
import { LIST_FILTERS } from '../domain/budget-review';

export const ListQuerySchema = z
  .object({
    filter: z.enum(LIST_FILTERS as [string, ...string[]]).describe('Which ERP Integrations list'),
    limit: z.coerce.number().int().min(1).max(100).default(50).describe('Page size, 1 to 100 (default 50)'),
    cursor: z.string().min(1).optional().describe('`nextCursor` of the previous page'),
  })
  .strict();

export const LinesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(200).describe('Lines per page, 1 to 1000 (default 200)'),
    cursor: z.string().min(1).optional().describe('`nextCursor` of the previous page'),
  })
  .strict();

export const AcceptBodySchema = z
  .object({
    description: z.string().max(500).optional().describe('Description of the ERP entry'),
    revision: z
      .object({
        type: z.enum(['scope_change', 'budget_transfer', 'contingency']).optional().describe('Default scope_change'),
        date: z.iso.date().optional().describe("Default today in the company's time zone (UTC if none)"),
        number: z.number().int().positive().optional().describe('Default the next number of the ERP job'),
        status: z.enum(['approved', 'pending', 'forecasted', 'rejected']).optional().describe('Default pending'),
        approvedBy: z.string().max(200).optional().describe("Default the approver's name"),
      })
      .strict()
      .optional()
      .describe('Revision fields; each missing one takes its default. Ignored for an original export.'),
  })
  .strict();

export const RejectBodySchema = z
  .object({
    reason: z.string().trim().min(1, 'a rejection needs a reason').max(1000).describe('Why the budget goes back to the project manager'),
  })
  .strict();

export type ListQuery = z.infer<typeof ListQuerySchema>;
export type LinesQuery = z.infer<typeof LinesQuerySchema>;
export type AcceptBody = z.infer<typeof AcceptBodySchema>;
export type RejectBody = z.infer<typeof RejectBodySchema>;
