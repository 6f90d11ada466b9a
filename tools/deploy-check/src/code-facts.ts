import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Topics } from '@budget-erp/contracts';
import { ERP_SYSTEMS, ServiceName } from './catalog';
import { repoFileExists, repoPath } from './repo';

const topicByConstant = new Map<string, string>(Object.entries(Topics));
const knownTopics = new Set<string>(Object.values(Topics));

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !/\.(spec|test)\.ts$/.test(name)) files.push(full);
    }
  };
  walk(dir);
  return files;
}

/** Topic names an expression such as `Topics.BudgetSent` or `'budget.sent'` designates. */
function topicsIn(expression: string): string[] {
  const found: string[] = [];
  for (const match of expression.matchAll(/Topics\.(\w+)/g)) {
    const topic = topicByConstant.get(match[1]);
    if (topic) found.push(topic);
  }
  for (const match of expression.matchAll(/['"`]([a-z][a-z0-9_.]*)['"`]/g)) {
    if (knownTopics.has(match[1])) found.push(match[1]);
  }
  return found;
}

/** What a service's code reads from Kafka: the topics of its `@EventPattern` handlers. */
export function consumedTopicsInCode(service: ServiceName): string[] | undefined {
  const src = `services/${service}/src`;
  if (!repoFileExists(src)) return undefined;
  const topics = new Set<string>();
  for (const file of sourceFiles(repoPath(src))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/@EventPattern\(([^)]*)\)/g)) {
      for (const topic of topicsIn(match[1])) topics.add(topic);
    }
  }
  return [...topics].sort();
}

/** The name a service starts under (`startService(AppModule, { name })`): its consumer group. */
export function serviceNameInCode(service: ServiceName): string | undefined {
  const main = `services/${service}/src/main.ts`;
  if (!repoFileExists(main)) return undefined;
  const match = /startService\([^]*?name:\s*['"]([^'"]+)['"]/.exec(readFileSync(repoPath(main), 'utf8'));
  return match?.[1];
}

/** Consumer groups the code uses: the service's own, plus one per ERP for the export workers. */
export function consumerGroupsInCode(service: ServiceName, erpSystem?: string): string[] | undefined {
  const name = serviceNameInCode(service);
  if (!name) return undefined;
  if (service !== 'erp-connector') return [name];
  const systems = erpSystem ? [erpSystem] : [...ERP_SYSTEMS];
  return [name, ...systems.map((system) => `${name}.${system}`)];
}
