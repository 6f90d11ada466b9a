import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTopicPlan, readRepoFile, repoPath } from '../src';

/**
 * The compose topic job's script, run against a stand-in for kafka-topics.sh that keeps each topic's
 * partition count in a file and logs every call.
 */
const STUB = `#!/usr/bin/env bash
echo "$*" >> "$STUB_DIR/calls.log"
topic=""; partitions=""; mode=""
while [ $# -gt 0 ]; do
  case "$1" in
    --topic) topic=$2; shift ;;
    --partitions) partitions=$2; shift ;;
    --create|--describe|--alter) mode=$1 ;;
  esac
  shift
done
state="$STUB_DIR/topics/$topic"
case "$mode" in
  --create)
    [ "$topic" = "\${STUB_FAIL_TOPIC:-}" ] && { echo "creation refused" >&2; exit 1; }
    [ -f "$state" ] || echo "$partitions" > "$state" ;;
  --describe) printf 'Topic: %s\\tTopicId: x\\tPartitionCount: %s\\tReplicationFactor: 1\\n' "$topic" "$(cat "$state")" ;;
  --alter) echo "$partitions" > "$state" ;;
esac
`;

const plan = parseTopicPlan(readRepoFile('deploy/kafka/topics.yaml'));
const roots: string[] = [];

function run(options: { existing?: Record<string, number>; failTopic?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'create-topics-'));
  roots.push(dir);
  mkdirSync(join(dir, 'topics'));
  writeFileSync(join(dir, 'kafka-topics.sh'), STUB);
  chmodSync(join(dir, 'kafka-topics.sh'), 0o755);
  for (const [topic, partitions] of Object.entries(options.existing ?? {})) writeFileSync(join(dir, 'topics', topic), `${partitions}\n`);
  const result = spawnSync('bash', [repoPath('deploy/kafka/create-topics.sh')], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, KAFKA_TOPICS_BIN: join(dir, 'kafka-topics.sh'), STUB_DIR: dir, STUB_FAIL_TOPIC: options.failTopic ?? '', TOPIC_REPLICATION_FACTOR: '3', KAFKA_BOOTSTRAP: 'kafka:9092' },
  });
  const calls = existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n') : [];
  const topics = Object.fromEntries(readdirSync(join(dir, 'topics')).map((name) => [name, Number(readFileSync(join(dir, 'topics', name), 'utf8'))]));
  return { status: result.status, stderr: result.stderr, calls, topics };
}

afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

describe('deploy/kafka/create-topics.sh', () => {
  it('on an empty cluster, creates every planned topic once with its partitions, replication and configs', () => {
    const { status, calls, topics } = run();
    expect(status).toBe(0);
    expect(topics).toEqual(Object.fromEntries(plan.topics.map((topic) => [topic.name, topic.partitions])));
    const creates = calls.filter((call) => call.includes('--create'));
    expect(creates).toHaveLength(plan.topics.length);
    expect(creates.find((call) => call.includes('--topic erp.project.linked '))).toContain('--replication-factor 3 --config cleanup.policy=compact');
    expect(creates.find((call) => call.includes('--topic budget.accepted.dlq '))).toContain('--config retention.ms=2592000000');
    expect(creates.every((call) => call.startsWith('--bootstrap-server kafka:9092 '))).toBe(true);
  });

  it('when a topic already exists with fewer partitions, grows it to the planned count and leaves the others', () => {
    const { status, calls, topics } = run({ existing: { 'budget.accepted': 3, 'budget.sent': 24 } });
    expect(status).toBe(0);
    expect(topics['budget.accepted']).toBe(12);
    expect(topics['budget.sent']).toBe(24);
    expect(calls.filter((call) => call.includes('--alter'))).toEqual(['--bootstrap-server kafka:9092 --alter --topic budget.accepted --partitions 12']);
  });

  it('when one topic cannot be created, still creates the others and exits non-zero naming it', () => {
    const { status, stderr, topics } = run({ failTopic: 'erp.posted.dlq' });
    expect(status).not.toBe(0);
    expect(stderr).toContain('could not create: erp.posted.dlq');
    expect(Object.keys(topics)).toHaveLength(plan.topics.length - 1);
  });
});
