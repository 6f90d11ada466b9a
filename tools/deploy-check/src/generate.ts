import { writeFileSync } from 'node:fs';
import { readRepoFile, repoPath } from './repo';
import { parseAclPlan } from './acl-plan';
import { renderCreateTopicsScript, renderStrimziTopics, renderStrimziUsers } from './render';
import { parseTopicPlan } from './topic-plan';

/** Writes the compose topic script and the Strimzi topics from deploy/kafka/topics.yaml. */
function main(): void {
  const plan = parseTopicPlan(readRepoFile('deploy/kafka/topics.yaml'));
  writeFileSync(repoPath('deploy/kafka/create-topics.sh'), renderCreateTopicsScript(plan), { mode: 0o755 });
  writeFileSync(repoPath('deploy/k8s/base/kafka/topics.yaml'), renderStrimziTopics(plan));
  const users = parseAclPlan(readRepoFile('deploy/kafka/acls.yaml'));
  writeFileSync(repoPath('deploy/k8s/base/kafka/users.yaml'), renderStrimziUsers(users));
  console.log(`${users.length} Kafka users written to deploy/k8s/base/kafka/users.yaml`);
  console.log(`${plan.topics.length} topics written to deploy/kafka/create-topics.sh and deploy/k8s/base/kafka/topics.yaml`);
}

main();
