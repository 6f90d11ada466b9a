import { AllTopics, contractFor, dlqTopic } from '@budget-erp/contracts';
import { KafkaUserAcl } from './acl-plan';
import { ERP_SYSTEMS, SERVICE_NAMES, ServiceName } from './catalog';

/** What a service's code does with Kafka; undefined where its code does not exist yet. */
export interface ServiceKafkaFacts {
  /** Topics the process consumes; for the erp-connector, of the given ERP's workers. */
  consumes?: (erpSystem?: string) => string[];
  groups?: (erpSystem?: string) => string[];
}

/** Topics whose contract names the service as producer. */
export const producedBy = (service: string): string[] => AllTopics.filter((topic) => contractFor(topic).producer === service);

/** The groups a user's process joins, by convention when the code cannot tell yet. */
export function expectedGroups(user: KafkaUserAcl, facts: ServiceKafkaFacts): string[] {
  const fromCode = facts.groups?.(user.erpSystem);
  if (fromCode) return fromCode;
  return user.erpSystem ? [user.service, `${user.service}.${user.erpSystem}`] : [user.service];
}

function differences(where: string, what: string, actual: string[], expected: string[]): string[] {
  return [
    ...expected.filter((item) => !actual.includes(item)).map((item) => `${where}: lacks ${what} ${item}`),
    ...actual.filter((item) => !expected.includes(item)).map((item) => `${where}: has ${what} ${item}, which its code does not need`),
  ];
}

/** The ACL table against the code: groups, reads and writes exactly what each service needs. */
export function aclProblems(users: KafkaUserAcl[], facts: Record<ServiceName, ServiceKafkaFacts>): string[] {
  const problems: string[] = [];
  for (const service of SERVICE_NAMES) {
    const own = users.filter((user) => user.service === service);
    if (own.length === 0) problems.push(`deploy/kafka/acls.yaml: no Kafka user for ${service}`);
    if (service === 'erp-connector') {
      for (const system of ERP_SYSTEMS) if (!own.some((user) => user.erpSystem === system)) problems.push(`deploy/kafka/acls.yaml: no Kafka user for the ${system} workers of erp-connector`);
    }
  }
  for (const user of users) {
    const where = `deploy/kafka/acls.yaml ${user.name}`;
    const serviceFacts = facts[user.service as ServiceName];
    if (!serviceFacts) {
      problems.push(`${where}: ${user.service} is no service of the platform`);
      continue;
    }
    problems.push(...differences(where, 'consumer group', user.groups, expectedGroups(user, serviceFacts)));
    const consumed = serviceFacts.consumes?.(user.erpSystem);
    const reads = consumed ?? user.read;
    if (consumed) problems.push(...differences(where, 'read on', user.read, consumed));
    problems.push(...differences(where, 'write on', user.write, [...producedBy(user.service), ...reads.map(dlqTopic)]));
  }
  return problems;
}
