import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '@budget-erp/service-kit';
import { z } from 'zod';
import { ServiceName } from './catalog';
import { documentedSchema, EnvCase, EnvVerdict, hasOwnConfig } from './config-schemas';
import { repoPath } from './repo';

const isZodObject = (value: unknown): value is z.ZodObject => value instanceof z.ZodObject;

async function schemaOf(service: ServiceName): Promise<z.ZodObject> {
  if (!hasOwnConfig(service)) return documentedSchema(service);
  const file = `services/${service}/src/config.ts`;
  const exported = (await import(repoPath(file))) as Record<string, unknown>;
  const candidates = Object.entries(exported).filter(([name, value]) => /config/i.test(name) && /schema/i.test(name) && isZodObject(value));
  if (candidates.length !== 1) throw new Error(`${file}: expected one exported zod object named like *ConfigSchema, found ${candidates.length}`);
  return candidates[0][1] as z.ZodObject;
}

function verdict(schema: z.ZodObject, { where, env }: EnvCase): EnvVerdict {
  const unread = Object.keys(env).filter((key) => !(key in schema.shape));
  try {
    loadConfig(schema, env);
    return { problems: [], unread };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { problems: error.problems.map((p) => `${where}: ${p.variable} ${p.problem}`), unread };
  }
}

/** stdin: EnvCase[] as JSON; stdout: EnvVerdict[] as JSON, on its own line. */
async function main(): Promise<void> {
  const cases = JSON.parse(readFileSync(0, 'utf8')) as EnvCase[];
  const schemas = new Map<ServiceName, z.ZodObject>();
  for (const service of new Set(cases.map((c) => c.service))) schemas.set(service, await schemaOf(service));
  const verdicts = cases.map((c) => verdict(schemas.get(c.service)!, c));
  process.stdout.write(`\n${JSON.stringify(verdicts)}\n`);
  process.exit(0);
}

void main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
