import { asArray, asObject, parseYaml } from './repo';

export type CleanupPolicy = 'delete' | 'compact';

/** One topic as deployed: its partitions, cleanup policy and retention. */
export interface TopicSpec {
  name: string;
  partitions: number;
  cleanup: CleanupPolicy;
  retentionMs: number;
  /** The dead-letter topic of `deadLetterOf`, when this is one. */
  deadLetterOf?: string;
}

export interface TopicPlan {
  replicationFactor: number;
  minInsyncReplicas: number;
  topics: TopicSpec[];
}

const cleanupOf = (value: unknown): CleanupPolicy => (value === 'compact' ? 'compact' : 'delete');

/** Reads deploy/kafka/topics.yaml: the event topics, each followed by its `<topic>.dlq`. */
export function parseTopicPlan(text: string): TopicPlan {
  const doc = asObject(parseYaml(text));
  const defaults = asObject(doc.defaults);
  const dlq = asObject(doc.dlq);
  const defaultRetention = Number(defaults.retentionMs);
  const topics: TopicSpec[] = [];
  for (const raw of asArray(doc.topics)) {
    const entry = asObject(raw);
    const name = String(entry.name);
    topics.push({
      name,
      partitions: Number(entry.partitions),
      cleanup: cleanupOf(entry.cleanup),
      retentionMs: Number(entry.retentionMs ?? defaultRetention),
    });
    topics.push({
      name: `${name}.dlq`,
      partitions: Number(dlq.partitions),
      cleanup: cleanupOf(dlq.cleanup),
      retentionMs: Number(dlq.retentionMs ?? defaultRetention),
      deadLetterOf: name,
    });
  }
  return {
    replicationFactor: Number(defaults.replicationFactor),
    minInsyncReplicas: Number(defaults.minInsyncReplicas),
    topics,
  };
}
