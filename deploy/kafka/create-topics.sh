#!/usr/bin/env bash
# Generated from deploy/kafka/topics.yaml by tools/deploy-check/src/generate.ts: edit that file, then regenerate.
# Creates every topic (and its dead-letter topic) with its partitions and configs; an existing
# topic with fewer partitions is grown. Safe to run again.
set -euo pipefail
BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:9092}"
REPLICATION="${TOPIC_REPLICATION_FACTOR:-1}"
KAFKA_TOPICS="${KAFKA_TOPICS_BIN:-/opt/kafka/bin/kafka-topics.sh}"
PARALLEL="${TOPIC_INIT_PARALLELISM:-4}"

ensure_topic() {
  local topic=$1 partitions=$2 configs=$3 args=() current
  IFS=',' read -ra pairs <<< "$configs"
  for pair in "${pairs[@]}"; do args+=(--config "$pair"); done
  "$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$topic" \
    --partitions "$partitions" --replication-factor "$REPLICATION" "${args[@]}" >/dev/null || return 1
  current=$("$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --topic "$topic" | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n 1) || return 1
  if [ "${current:-0}" -lt "$partitions" ]; then
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
budget.locked 6 cleanup.policy=delete,retention.ms=604800000
budget.locked.dlq 3 cleanup.policy=delete,retention.ms=2592000000
budget.unlocked 6 cleanup.policy=delete,retention.ms=604800000
budget.unlocked.dlq 3 cleanup.policy=delete,retention.ms=2592000000
budget.sent 12 cleanup.policy=delete,retention.ms=1209600000
budget.sent.dlq 3 cleanup.policy=delete,retention.ms=2592000000
budget.sent.lines 12 cleanup.policy=delete,retention.ms=1209600000
budget.sent.lines.dlq 3 cleanup.policy=delete,retention.ms=2592000000
budget.retrieved 6 cleanup.policy=delete,retention.ms=604800000
budget.retrieved.dlq 3 cleanup.policy=delete,retention.ms=2592000000
budget.accepted 12 cleanup.policy=delete,retention.ms=1209600000
budget.accepted.dlq 3 cleanup.policy=delete,retention.ms=2592000000
budget.rejected 6 cleanup.policy=delete,retention.ms=604800000
budget.rejected.dlq 3 cleanup.policy=delete,retention.ms=2592000000
budget.export.timed_out 6 cleanup.policy=delete,retention.ms=604800000
budget.export.timed_out.dlq 3 cleanup.policy=delete,retention.ms=2592000000
export.succeeded 6 cleanup.policy=delete,retention.ms=604800000
export.succeeded.dlq 3 cleanup.policy=delete,retention.ms=2592000000
export.failed 6 cleanup.policy=delete,retention.ms=604800000
export.failed.dlq 3 cleanup.policy=delete,retention.ms=2592000000
erp.posted 6 cleanup.policy=delete,retention.ms=604800000
erp.posted.dlq 3 cleanup.policy=delete,retention.ms=2592000000
erp.project.linked 6 cleanup.policy=compact
erp.project.linked.dlq 3 cleanup.policy=delete,retention.ms=2592000000
erp.connection.updated 3 cleanup.policy=compact
erp.connection.updated.dlq 3 cleanup.policy=delete,retention.ms=2592000000
budget.import.requested 6 cleanup.policy=delete,retention.ms=604800000
budget.import.requested.dlq 3 cleanup.policy=delete,retention.ms=2592000000
erp.budget.imported 6 cleanup.policy=delete,retention.ms=604800000
erp.budget.imported.dlq 3 cleanup.policy=delete,retention.ms=2592000000
erp.budget.import.failed 6 cleanup.policy=delete,retention.ms=604800000
erp.budget.import.failed.dlq 3 cleanup.policy=delete,retention.ms=2592000000
erp.budget.drift_detected 6 cleanup.policy=delete,retention.ms=604800000
erp.budget.drift_detected.dlq 3 cleanup.policy=delete,retention.ms=2592000000
erp.budget.drift_resolved 6 cleanup.policy=delete,retention.ms=604800000
erp.budget.drift_resolved.dlq 3 cleanup.policy=delete,retention.ms=2592000000
notification.sent 3 cleanup.policy=delete,retention.ms=259200000
notification.sent.dlq 3 cleanup.policy=delete,retention.ms=2592000000
TOPICS
wait

if [ -n "$(ls -A "$failed")" ]; then
  echo "could not create: $(ls "$failed" | tr '\n' ' ')" >&2
  exit 1
fi
echo "all 38 topics ready"
