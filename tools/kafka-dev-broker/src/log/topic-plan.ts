import * as fs from 'node:fs';
import { parse } from 'yaml';
import { validateTopicConfig } from './configs';
import { TopicStore } from './topic-store';

interface PlanTopic {
  name: string;
  partitions: number;
  cleanup?: string;
  retentionMs?: number;
  maxMessageBytes?: number;
}

interface Plan {
  defaults?: { retentionMs?: number };
  dlq?: { partitions?: number; retentionMs?: number; cleanup?: string };
  topics: PlanTopic[];
}

export interface PlannedTopic {
  name: string;
  partitions: number;
  configs: Map<string, string>;
}

/**
 * The deployment's topic plan (deploy/kafka/topics.yaml): every topic and its `.dlq` with partitions,
 * `cleanup.policy`, `retention.ms` and `max.message.bytes`. Replication settings do not apply to one node.
 */
export function readTopicPlan(file: string): PlannedTopic[] {
  const plan = parse(fs.readFileSync(file, 'utf8')) as Plan;
  if (!plan || !Array.isArray(plan.topics)) throw new Error(`${file}: no topics`);
  const out: PlannedTopic[] = [];
  const configsOf = (cleanup: string | undefined, retentionMs: number | undefined, maxMessageBytes: number | undefined) => {
    const c = new Map<string, string>();
    if (cleanup) c.set('cleanup.policy', cleanup);
    if (retentionMs !== undefined) c.set('retention.ms', String(retentionMs));
    if (maxMessageBytes !== undefined) c.set('max.message.bytes', String(maxMessageBytes));
    return c;
  };
  for (const t of plan.topics) {
    out.push({ name: t.name, partitions: t.partitions, configs: configsOf(t.cleanup, t.retentionMs ?? plan.defaults?.retentionMs, t.maxMessageBytes) });
    if (plan.dlq) {
      out.push({
        name: `${t.name}.dlq`,
        partitions: plan.dlq.partitions ?? t.partitions,
        configs: configsOf(plan.dlq.cleanup ?? 'delete', plan.dlq.retentionMs ?? plan.defaults?.retentionMs, t.maxMessageBytes),
      });
    }
  }
  for (const t of out) {
    for (const [k, v] of t.configs) {
      const problem = validateTopicConfig(k, v);
      if (problem !== null) throw new Error(`${file}: topic ${t.name}: ${problem}`);
    }
  }
  return out;
}

/** Creates the planned topics, grows those with fewer partitions and sets the planned configs (others stay as they are). */
export function applyTopicPlan(store: TopicStore, plan: PlannedTopic[]): void {
  for (const t of plan) {
    const existing = store.get(t.name);
    if (!existing) {
      store.create(t.name, t.partitions, new Map(t.configs));
      continue;
    }
    if (existing.partitions.length < t.partitions) store.addPartitions(existing, t.partitions);
    const configs = new Map(existing.configs);
    for (const [k, v] of t.configs) configs.set(k, v);
    store.setConfigs(existing, configs);
  }
}
