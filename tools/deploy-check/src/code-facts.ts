import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Topics } from '@budget-erp/contracts';
import { ServiceKafkaFacts } from './acl-checks';
import { SERVICE_NAMES, ServiceName } from './catalog';
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

/** The topics of a service's `@EventPattern` handlers. */
export function handledTopicsInCode(service: ServiceName): string[] {
  const topics = new Set<string>();
  for (const file of sourceFiles(repoPath(`services/${service}/src`))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/@EventPattern(?:<[^>]*>)?\(([^)]*)\)/g)) {
      for (const topic of topicsIn(match[1])) topics.add(topic);
    }
  }
  return [...topics].sort();
}

/** One inbox consumer group as `startService(..., { inbox: [...] })` declares it. */
export interface GroupInCode {
  /** The group id, with `<system>` standing for the ERP system of a per-ERP worker. */
  group: string;
  perErp: boolean;
  /** The topics it consumes (default: every handled topic). */
  topics: string[];
}

/**
 * The consumer groups a service starts: the `inbox` entries of the file calling `startService`, the
 * name resolved through `SERVICE_NAME`. Undefined while the service has no such file.
 */
export function groupsInCode(service: ServiceName): GroupInCode[] | undefined {
  const src = `services/${service}/src`;
  if (!repoFileExists(src)) return undefined;
  const files = sourceFiles(repoPath(src)).map((file) => readFileSync(file, 'utf8'));
  const starter = files.find((text) => /startService\(/.test(text) && /inbox:\s*\[/.test(text));
  if (!starter) return undefined;
  const constant = files.map((text) => /export const SERVICE_NAME = ['"]([^'"]+)['"]/.exec(text)?.[1]).find(Boolean);
  const handled = handledTopicsInCode(service);
  const groups: GroupInCode[] = [];
  for (const entry of starter.matchAll(/\{\s*groupId:\s*(`[^`]*`|'[^']*'|"[^"]*"|[\w.]+)([^}]*)\}/g)) {
    const expression = entry[1].trim().replace(/\$\{SERVICE_NAME\}/g, constant ?? '').replace(/^SERVICE_NAME$/, constant ?? '');
    const perErp = /\$\{\w+\}/.test(expression);
    const group = expression.replace(/^['"`]|['"`]$/g, '').replace(/\$\{\w+\}/g, '<system>');
    const topicList = /topics:\s*\[([^\]]*)\]/.exec(entry[2]);
    groups.push({ group, perErp, topics: topicList ? topicsIn(topicList[1]) : handled });
  }
  return groups;
}

/** Kafka facts of every service, read from its code. */
export function codeKafkaFacts(): Record<ServiceName, ServiceKafkaFacts> {
  const facts = {} as Record<ServiceName, ServiceKafkaFacts>;
  for (const service of SERVICE_NAMES) {
    const groups = groupsInCode(service);
    if (!groups) {
      facts[service] = {};
      continue;
    }
    const mine = (erpSystem?: string) => groups.filter((g) => !g.perErp || erpSystem !== undefined);
    facts[service] = {
      groups: (erpSystem) => mine(erpSystem).map((g) => g.group.replace('<system>', erpSystem ?? '')),
      consumes: (erpSystem) => [...new Set(mine(erpSystem).flatMap((g) => g.topics))].sort(),
    };
  }
  return facts;
}
