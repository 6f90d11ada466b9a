import { asArray, asObject, parseYaml } from './repo';

/** One Kafka user (one deployable) and what it may do. */
export interface KafkaUserAcl {
  name: string;
  service: string;
  erpSystem?: string;
  groups: string[];
  read: string[];
  write: string[];
}

const strings = (value: unknown): string[] => asArray(value).map(String);

/** Reads deploy/kafka/acls.yaml. */
export function parseAclPlan(text: string): KafkaUserAcl[] {
  return asArray(asObject(parseYaml(text)).users).map((raw) => {
    const entry = asObject(raw);
    const user: KafkaUserAcl = {
      name: String(entry.name),
      service: String(entry.service),
      groups: strings(entry.groups),
      read: strings(entry.read),
      write: strings(entry.write),
    };
    if (entry.erpSystem !== undefined) user.erpSystem = String(entry.erpSystem);
    return user;
  });
}
