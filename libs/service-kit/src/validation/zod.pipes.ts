import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ApplicationError } from '../errors/application-error';
import { zodIssuesToDetails } from './zod-issues';

abstract class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  protected abstract readonly what: string;
  protected schema: z.ZodType;

  constructor(schema: S) {
    this.schema = schema;
  }

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data as z.output<S>;
    const details = zodIssuesToDetails(result.error);
    const fields = [...new Set(details.map((detail) => detail.path || '(root)'))];
    throw ApplicationError.badRequest('VALIDATION_FAILED', `Invalid ${this.what}: ${fields.join(', ')}`, details);
  }
}

/** `@Body(new ZodBody(schema))`: 400 with `details` naming every bad field. Use `z.strictObject` so unknown fields are errors too. */
export class ZodBody<S extends z.ZodType> extends ZodPipe<S> {
  protected readonly what = 'request body';

  constructor(schema: S) {
    super(schema);
    // Unknown top-level fields are errors even when the schema was written as a plain z.object.
    if (schema instanceof z.ZodObject && schema._zod.def.catchall === undefined) this.schema = schema.strict();
  }
}

/** `@Query(new ZodQuery(schema))`: query values are strings; use `z.coerce` for numbers. */
export class ZodQuery<S extends z.ZodType> extends ZodPipe<S> {
  protected readonly what = 'query';
}

/** `@Param(new ZodParams(schema))` for the route parameters as a whole. */
export class ZodParams<S extends z.ZodType> extends ZodPipe<S> {
  protected readonly what = 'path parameters';
}
