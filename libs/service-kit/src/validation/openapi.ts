import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** The OpenAPI 3.0 schema of a zod schema, as a request (`input`) or a response (`output`). */
export function zodToOpenApi(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Documents the request body in /docs from the same zod schema the ZodBody pipe validates. */
export const ApiZodBody = (schema: z.ZodType, description?: string) =>
  ApiBody({ schema: zodToOpenApi(schema) as never, ...(description ? { description } : {}) });

/** Documents each property of a zod object as a query parameter. */
export function ApiZodQuery(schema: z.ZodType): MethodDecorator {
  const json = zodToOpenApi(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return applyDecorators(
    ...Object.entries(properties).map(([name, property]) =>
      ApiQuery({ name, required: required.has(name), schema: property as never, ...(typeof property.description === 'string' ? { description: property.description } : {}) }),
    ),
  );
}

/** Documents a response shape from a zod schema. */
export const ApiZodResponse = (status: number, schema: z.ZodType, description?: string) =>
  ApiResponse({ status, schema: zodToOpenApi(schema, 'output') as never, ...(description ? { description } : {}) });
