import { stringify } from 'yaml';
import { KafkaUserAcl } from './acl-plan';
import { TopicPlan, TopicSpec } from './topic-plan';

export const generatedNote = (source: string): string =>
  `Generated from ${source} by tools/deploy-check/src/generate.ts: edit that file, then regenerate.`;

/** The Strimzi cluster the KafkaTopic and KafkaUser resources belong to. */
export const STRIMZI_CLUSTER = 'platform-kafka';

/** Kafka topic configs of a topic, as `kafka-topics.sh --config` and Strimzi `spec.config` take them. */
export function topicConfig(topic: TopicSpec, minInsyncReplicas?: number): Record<string, string> {
  const config: Record<string, string> = { 'cleanup.policy': topic.cleanup };
  if (topic.cleanup === 'delete') config['retention.ms'] = String(topic.retentionMs);
  if (minInsyncReplicas !== undefined) config['min.insync.replicas'] = String(minInsyncReplicas);
  return config;
}

/** The one-shot script docker-compose's kafka-topics job runs with the apache/kafka image. */
export function renderCreateTopicsScript(plan: TopicPlan): string {
  const rows = plan.topics.map((topic) => {
    const configs = Object.entries(topicConfig(topic)).map(([key, value]) => `${key}=${value}`);
    return `${topic.name} ${topic.partitions} ${configs.join(',')}`;
  });
  return `#!/usr/bin/env bash
# ${generatedNote('deploy/kafka/topics.yaml')}
# Creates every topic (and its dead-letter topic) with its partitions and configs; an existing
# topic with fewer partitions is grown. Safe to run again.
set -euo pipefail
BOOTSTRAP="\${KAFKA_BOOTSTRAP:-kafka:9092}"
REPLICATION="\${TOPIC_REPLICATION_FACTOR:-1}"
KAFKA_TOPICS="\${KAFKA_TOPICS_BIN:-/opt/kafka/bin/kafka-topics.sh}"
PARALLEL="\${TOPIC_INIT_PARALLELISM:-4}"

ensure_topic() {
  local topic=$1 partitions=$2 configs=$3 args=() current
  IFS=',' read -ra pairs <<< "$configs"
  for pair in "\${pairs[@]}"; do args+=(--config "$pair"); done
  "$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$topic" \\
    --partitions "$partitions" --replication-factor "$REPLICATION" "\${args[@]}" >/dev/null || return 1
  current=$("$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --topic "$topic" | sed -n 's/.*PartitionCount: *\\([0-9]*\\).*/\\1/p' | head -n 1) || return 1
  if [ "\${current:-0}" -lt "$partitions" ]; then
    "$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --alter --topic "$topic" --partitions "$partitions" || return 1
  fi
  echo "topic $topic: $partitions partitions, $configs"
}

failed=$(mktemp -d)
while read -r topic partitions configs; do
  [ -n "$topic" ] || continue
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n || true; done
  { ensure_topic "$topic" "$partitions" "$configs" || touch "$failed/$topic"; } &
done <<'TOPICS'
${rows.join('\n')}
TOPICS
wait

if [ -n "$(ls -A "$failed")" ]; then
  echo "could not create: $(ls "$failed" | tr '\\n' ' ')" >&2
  exit 1
fi
echo "all ${plan.topics.length} topics ready"
`;
}

/** Strimzi KafkaTopic resources, one per topic. */
export function renderStrimziTopics(plan: TopicPlan): string {
  const docs = plan.topics.map((topic) =>
    stringify({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaTopic',
      metadata: {
        name: topic.name.replace(/[._]/g, '-'),
        labels: { 'strimzi.io/cluster': STRIMZI_CLUSTER, 'app.kubernetes.io/part-of': 'budget-erp' },
      },
      spec: {
        topicName: topic.name,
        partitions: topic.partitions,
        replicas: plan.replicationFactor,
        config: topicConfig(topic, plan.minInsyncReplicas),
      },
    }),
  );
  return `# ${generatedNote('deploy/kafka/topics.yaml')}\n${docs.map((doc) => `---\n${doc}`).join('')}`;
}

/** Strimzi KafkaUser resources (SASL/SCRAM-SHA-512, simple authorization) from the ACL plan. */
export function renderStrimziUsers(users: KafkaUserAcl[]): string {
  const literal = (type: 'topic' | 'group', name: string) => ({ type, name, patternType: 'literal' });
  const docs = users.map((user) =>
    stringify({
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaUser',
      metadata: {
        name: user.name,
        labels: { 'strimzi.io/cluster': STRIMZI_CLUSTER, 'app.kubernetes.io/part-of': 'budget-erp' },
      },
      spec: {
        authentication: { type: 'scram-sha-512' },
        authorization: {
          type: 'simple',
          acls: [
            ...user.groups.map((group) => ({ resource: literal('group', group), operations: ['Read'] })),
            ...user.read.map((topic) => ({ resource: literal('topic', topic), operations: ['Read', 'Describe'] })),
            ...user.write.map((topic) => ({ resource: literal('topic', topic), operations: ['Write', 'Describe'] })),
          ],
        },
      },
    }),
  );
  return `# ${generatedNote('deploy/kafka/acls.yaml')}\n${docs.map((doc) => `---\n${doc}`).join('')}`;
}

/** Generated files that no longer match their source. */
export function staleGeneratedFiles(
  plan: TopicPlan,
  users: KafkaUserAcl[],
  files: { createTopicsScript: string; strimziTopics: string; strimziUsers: string },
): string[] {
  const stale: string[] = [];
  if (files.createTopicsScript !== renderCreateTopicsScript(plan)) stale.push('deploy/kafka/create-topics.sh');
  if (files.strimziTopics !== renderStrimziTopics(plan)) stale.push('deploy/k8s/base/kafka/topics.yaml');
  if (files.strimziUsers !== renderStrimziUsers(users)) stale.push('deploy/k8s/base/kafka/users.yaml');
  return stale.map((file) => `${file} is out of date: run node -r @swc-node/register tools/deploy-check/src/generate.ts`);
}
