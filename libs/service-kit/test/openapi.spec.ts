import { z } from 'zod';
import { zodToOpenApi } from '../src/validation/openapi';

describe('zodToOpenApi', () => {
  it('when a request schema has optional, nullable and defaulted fields, describes the input shape in OpenAPI 3.0 terms', () => {
    const schema = z.strictObject({
      costCode: z.string().min(1).describe('Cost code of the line'),
      amount: z.string().regex(/^-?\d+(\.\d{1,2})?$/),
      note: z.string().nullable().optional(),
      quantity: z.number().int().default(1),
    });
    const json = zodToOpenApi(schema);
    expect(json).not.toHaveProperty('$schema');
    expect(json).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['costCode', 'amount'],
      properties: {
        costCode: { type: 'string', minLength: 1, description: 'Cost code of the line' },
        amount: { type: 'string', pattern: '^-?\\d+(\\.\\d{1,2})?$' },
        note: { type: 'string', nullable: true },
        quantity: { type: 'integer', default: 1 },
      },
    });
  });
});
