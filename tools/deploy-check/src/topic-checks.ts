import { AllTopics, COMPACTED_TOPICS, dlqTopic } from '@budget-erp/contracts';
import { topicConfig } from './render';
import { asArray, asObject, Json } from './repo';
import { TopicPlan } from './topic-plan';

/** Every topic the code uses: one per event type and its dead-letter topic. */
export const topicsTheCodeUses = (): string[] => AllTopics.flatMap((topic) => [topic, dlqTopic(topic)]);

/** The plan must hold exactly the code's topics, each with a sane partition count. */
export function topicPlanProblems(plan: TopicPlan, required = topicsTheCodeUses()): string[] {
  const problems: string[] = [];
  const planned = new Set(plan.topics.map((topic) => topic.name));
  for (const topic of required) if (!planned.has(topic)) problems.push(`deploy/kafka/topics.yaml: topic ${topic} is used by the code but not planned`);
  for (const topic of plan.topics) {
    if (!required.includes(topic.name)) problems.push(`deploy/kafka/topics.yaml: topic ${topic.name} is not used by the code`);
    if (!Number.isInteger(topic.partitions) || topic.partitions < 1) problems.push(`deploy/kafka/topics.yaml: topic ${topic.name} has no valid partition count`);
    // Compaction keeps the latest record per key: only topics whose keys include the company may compact.
    const keyedWithCompany = (COMPACTED_TOPICS as readonly string[]).includes(topic.name);
    if (topic.cleanup === 'compact' && !keyedWithCompany) {
      problems.push(`deploy/kafka/topics.yaml: topic ${topic.name} is compacted, but its keys do not include the company (libs/contracts COMPACTED_TOPICS)`);
    }
    if (topic.cleanup !== 'compact' && keyedWithCompany) problems.push(`deploy/kafka/topics.yaml: topic ${topic.name} is in COMPACTED_TOPICS but its cleanup is ${topic.cleanup}`);
  }
  return problems;
}

interface CreatedTopic {
  partitions: number;
  config: Record<string, string>;
}

/** Topics created by the compose init script: the rows of its `TOPICS` here-document. */
export function topicsInScript(script: string): Map<string, CreatedTopic> {
  const created = new Map<string, CreatedTopic>();
  const table = /<<'TOPICS'\n([^]*?)\nTOPICS\n/.exec(script);
  for (const line of (table?.[1] ?? '').split('\n')) {
    const [name, partitions, configs = ''] = line.trim().split(/\s+/);
    if (!name) continue;
    const config = Object.fromEntries(configs.split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
    created.set(name, { partitions: Number(partitions), config });
  }
  return created;
}

/** Topics defined by Strimzi KafkaTopic resources. */
export function topicsInStrimzi(docs: Json[]): Map<string, CreatedTopic> {
  const created = new Map<string, CreatedTopic>();
  for (const doc of docs.filter((d) => d.kind === 'KafkaTopic')) {
    const spec = asObject(doc.spec);
    const name = String(spec.topicName ?? asObject(doc.metadata).name);
    const config = Object.fromEntries(Object.entries(asObject(spec.config)).map(([key, value]) => [key, String(value)]));
    created.set(name, { partitions: Number(spec.partitions), config });
  }
  return created;
}

/** Every required topic is created with the planned partitions and configs. */
export function createdTopicProblems(where: string, created: Map<string, CreatedTopic>, plan: TopicPlan, required = topicsTheCodeUses()): string[] {
  const problems: string[] = [];
  for (const topic of required) if (!created.has(topic)) problems.push(`${where}: topic ${topic} is used by the code but not created`);
  for (const topic of plan.topics) {
    const actual = created.get(topic.name);
    if (!actual) continue;
    if (actual.partitions !== topic.partitions) problems.push(`${where}: topic ${topic.name} has ${actual.partitions} partitions, the plan says ${topic.partitions}`);
    for (const [key, value] of Object.entries(topicConfig(topic))) {
      if (actual.config[key] !== value) problems.push(`${where}: topic ${topic.name} ${key} is ${actual.config[key] ?? 'unset'}, the plan says ${value}`);
    }
  }
  return problems;
}

export const asStrings = (value: unknown): string[] => asArray(value).map(String);
