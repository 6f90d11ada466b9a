import { z } from 'zod';
import { allContracts } from './topics';

export interface PublishedSchema {
  topic: string;
  type: string;
  producer: string;
  schema: Record<string, unknown>;
}

/** JSON Schema (draft 2020-12) of every event's payload, as published to analytics teams. */
export function publishedSchemas(): PublishedSchema[] {
  return allContracts().map((contract) => ({
    topic: contract.topic,
    type: contract.type,
    producer: contract.producer,
    schema: z.toJSONSchema(contract.schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>,
  }));
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  pattern?: string;
};

const typesOf = (schema: JsonSchema): string[] => {
  if (schema.anyOf) return schema.anyOf.flatMap(typesOf).sort();
  if (schema.oneOf) return schema.oneOf.flatMap(typesOf).sort();
  if (schema.const !== undefined) return [typeof schema.const];
  if (schema.type === undefined) return ['any'];
  return (Array.isArray(schema.type) ? schema.type : [schema.type]).slice().sort();
};

/**
 * Breaking changes between a published payload schema and its successor, from a consumer's
 * point of view: a field removed, a field's type changed, a required field made optional or
 * nullable, an enum value removed. Adding optional fields or enum values is not breaking.
 */
export function breakingChanges(previousSchema: object, nextSchema: object, path = '$'): string[] {
  const previous = previousSchema as JsonSchema;
  const next = nextSchema as JsonSchema;
  const problems: string[] = [];
  const beforeTypes = typesOf(previous);
  const afterTypes = typesOf(next);
  const widened = afterTypes.filter((t) => !beforeTypes.includes(t) && !(t === 'integer' && beforeTypes.includes('number')));
  const narrowedAway = beforeTypes.filter((t) => !afterTypes.includes(t) && !(t === 'integer' && afterTypes.includes('number')));
  if (!beforeTypes.includes('any') && (widened.length > 0 || narrowedAway.length > 0)) {
    problems.push(`${path}: type changed from ${beforeTypes.join('|')} to ${afterTypes.join('|')}`);
  }
  if (previous.enum && next.enum) {
    for (const value of previous.enum) {
      if (!next.enum.includes(value)) problems.push(`${path}: enum value ${JSON.stringify(value)} removed`);
    }
  }
  const variant = (schema: JsonSchema): JsonSchema =>
    schema.anyOf?.find((s) => s.type !== 'null') ?? schema.oneOf?.find((s) => s.type !== 'null') ?? schema;
  const before = variant(previous);
  const after = variant(next);
  if (before.properties) {
    const afterProps = after.properties ?? {};
    for (const [name, schema] of Object.entries(before.properties)) {
      const child = `${path}.${name}`;
      if (!(name in afterProps)) {
        problems.push(`${child}: field removed`);
        continue;
      }
      const wasRequired = before.required?.includes(name) ?? false;
      const isRequired = after.required?.includes(name) ?? false;
      if (wasRequired && !isRequired) problems.push(`${child}: required field made optional`);
      problems.push(...breakingChanges(schema, afterProps[name], child));
    }
  }
  if (before.items && after.items) problems.push(...breakingChanges(before.items, after.items, `${path}[]`));
  return problems;
}
