import { z } from 'zod';
import { ApplicationError } from '../src/errors/application-error';
import { ZodBody, ZodQuery } from '../src/validation/zod.pipes';

const AddLines = z.strictObject({
  name: z.string().min(1),
  lines: z.array(z.strictObject({ costCode: z.string().min(1), amount: z.string().regex(/^-?\d+(\.\d{1,2})?$/, 'must be a decimal amount') })),
});

function rejectionOf(run: () => unknown): ApplicationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApplicationError) return error;
    throw error;
  }
  throw new Error('expected an ApplicationError');
}

describe('ZodBody', () => {
  it('when the body is valid, passes the parsed value on', () => {
    const body = { name: 'Q1', lines: [{ costCode: '01-100', amount: '1250.00' }] };
    expect(new ZodBody(AddLines).transform(body)).toEqual(body);
  });

  it('when several fields are bad, answers 400 listing every one with its dotted path', () => {
    const error = rejectionOf(() =>
      new ZodBody(AddLines).transform({ name: '', lines: [{ costCode: '01-100', amount: '12.345' }, { amount: 'x', extra: 1 }], colour: 'red' }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details?.map((detail) => detail.path).sort()).toEqual(
      ['colour', 'lines.0.amount', 'lines.1.amount', 'lines.1.costCode', 'lines.1.extra', 'name'].sort(),
    );
    expect(error.details).toContainEqual({ path: 'lines.0.amount', message: 'must be a decimal amount' });
    expect(error.details).toContainEqual({ path: 'colour', message: 'Unknown field' });
    expect(error.message).toMatch(/^Invalid request body: /);
  });

  it('when there is no body at all, reports the missing required fields', () => {
    const error = rejectionOf(() => new ZodBody(AddLines).transform(undefined));
    expect(error.details?.map((detail) => detail.path)).toEqual(['name', 'lines']);
  });
});

describe('ZodQuery', () => {
  it('when query strings must be numbers, coerces valid ones and names the bad ones', () => {
    const Query = z.strictObject({ limit: z.coerce.number().int().max(100), status: z.enum(['draft', 'locked']).optional() });
    expect(new ZodQuery(Query).transform({ limit: '20' })).toEqual({ limit: 20 });
    const error = rejectionOf(() => new ZodQuery(Query).transform({ limit: '500', status: 'gone' }));
    expect(error.message).toBe('Invalid query: limit, status');
  });
});

describe('ZodBody with a plain z.object', () => {
  it('when the body has a field the schema does not know, names it instead of dropping it silently', () => {
    const error = rejectionOf(() => new ZodBody(z.object({ reason: z.string() })).transform({ reason: 'late', approved: true }));
    expect(error.details).toEqual([{ path: 'approved', message: 'Unknown field' }]);
  });
});
