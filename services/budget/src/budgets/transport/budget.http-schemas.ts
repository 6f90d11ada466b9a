import { z } from 'zod';
import { AmountSchema } from '@budget-erp/contracts';

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().max(max).nullable().optional();

export const LineBodySchema = z.strictObject({
  costCode: text(50).describe('ERP cost code'),
  costType: optionalText(50).describe('Cost type (category)'),
  subJob: optionalText(50).describe('Sub job'),
  description: optionalText(500),
  amount: AmountSchema,
});
export type LineBody = z.infer<typeof LineBodySchema>;

export const CreateBudgetBodySchema = z.strictObject({
  name: text(200),
  lines: z.array(LineBodySchema).max(5000).default([]),
});
export type CreateBudgetBody = z.infer<typeof CreateBudgetBodySchema>;

export const UpdateLineBodySchema = z.strictObject({
  costCode: text(50).optional(),
  costType: optionalText(50),
  subJob: optionalText(50),
  description: optionalText(500),
  amount: AmountSchema.optional(),
});
export type UpdateLineBody = z.infer<typeof UpdateLineBodySchema>;

export const ModificationChangeSchema = z
  .strictObject({
    lineId: z.string().min(1).optional().describe('Existing line the money moves to or from'),
    costCode: text(50).optional().describe('Cost code of a new line (when no lineId)'),
    costType: optionalText(50),
    subJob: optionalText(50),
    description: optionalText(500),
    amount: AmountSchema.describe('Signed amount added to the line'),
  })
  .refine((change) => Boolean(change.lineId) !== Boolean(change.costCode), {
    message: 'give either lineId (an existing line) or costCode (a new line)',
    path: ['lineId'],
  });

export const CreateModificationBodySchema = z.strictObject({
  description: optionalText(500),
  status: z.enum(['draft', 'approved']).optional().describe('Only approved modifications are sent (default draft)'),
  changes: z.array(ModificationChangeSchema).min(1).max(1000),
});
export type CreateModificationBody = z.infer<typeof CreateModificationBodySchema>;

export const UnlockBodySchema = z.strictObject({
  modifications: z.enum(['preserve', 'delete']).optional().describe('Required when the budget has modifications'),
});
export type UnlockBody = z.infer<typeof UnlockBodySchema>;

export const ReimportBodySchema = z.strictObject({
  confirm: z.literal(true).describe('The user confirmed that the ERP amounts replace the platform ones'),
  erpDigest: z.string().min(1).max(200).optional().describe('the digest of the ERP budget the user previewed (GET /erp/projects/:projectId/erp-budget on the connector): the import applies that ERP budget only, and fails with erp_changed if the ERP holds another by then'),
});
export type ReimportBody = z.infer<typeof ReimportBodySchema>;

export const ImportBodySchema = z.strictObject({
  mode: z.enum(['overwrite', 'keep_and_add']).default('overwrite').describe('overwrite the budget lines, or keep them and add the ERP lines above $0'),
  erpDigest: z.string().min(1).max(200).optional().describe('the digest of the ERP budget the user previewed (GET /erp/projects/:projectId/erp-budget on the connector): the import applies that ERP budget only, and fails with erp_changed if the ERP holds another by then'),
});
export type ImportBody = z.output<typeof ImportBodySchema>;

export const EmptyBodySchema = z.strictObject({});
