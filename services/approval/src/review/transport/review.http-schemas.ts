import { z } from 'zod';
import { LIST_FILTERS } from '../domain/budget-review';

export const ListQuerySchema = z
  .object({
    /** Which ERP Integrations list. */
    filter: z.enum(LIST_FILTERS as [string, ...string[]]),
    /** Page size, 1 to 100 (default 50). */
    limit: z.coerce.number().int().min(1).max(100).default(50),
    /** `nextCursor` of the previous page. */
    cursor: z.string().min(1).optional(),
  })
  .strict();

export const AcceptBodySchema = z
  .object({
    /** Description of the ERP entry. */
    description: z.string().max(500).optional(),
    /** Revision fields; each missing one takes its default. Ignored for an original export. */
    revision: z
      .object({
        type: z.enum(['scope_change', 'budget_transfer', 'contingency']).optional(),
        date: z.iso.date().optional(),
        number: z.number().int().positive().optional(),
        status: z.enum(['approved', 'pending', 'forecasted', 'rejected']).optional(),
        approvedBy: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const RejectBodySchema = z
  .object({
    /** Why the budget goes back to the project manager. */
    reason: z.string().trim().min(1, 'a rejection needs a reason').max(1000),
  })
  .strict();

export type ListQuery = z.infer<typeof ListQuerySchema>;
export type AcceptBody = z.infer<typeof AcceptBodySchema>;
export type RejectBody = z.infer<typeof RejectBodySchema>;
