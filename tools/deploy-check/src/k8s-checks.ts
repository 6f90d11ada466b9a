import { Topics } from '@budget-erp/contracts';
import { KafkaUserAcl } from './acl-plan';
import { APPS, AppSpec, ERP_SYSTEMS } from './catalog';
import { EnvCase } from './config-schemas';
import { nameOf } from './kustomize';
import { asArray, asObject, isObject, Json } from './repo';
import { createdTopicProblems, topicsInStrimzi } from './topic-checks';
import { TopicPlan } from './topic-plan';

/** Keys of the Secret the Strimzi user operator writes for each SCRAM KafkaUser. */
const KAFKA_USER_SECRET_KEYS = ['password', 'sasl.jaas.config'];

export interface K8sApp {
  deployment: string;
  app: string;
  spec: AppSpec;
  container: Json;
  env: Record<string, string>;
}

const byKind = (docs: Json[], kind: string): Json[] => docs.filter((doc) => doc.kind === kind);
const labelsOf = (doc: Json): Record<string, unknown> => asObject(asObject(doc.metadata).labels);

/** Resolves a container's environment through its literal values, ConfigMaps and Secrets. */
function resolveEnv(docs: Json[], container: Json, where: string, problems: string[]): Record<string, string> {
  const configMaps = new Map(byKind(docs, 'ConfigMap').map((doc) => [nameOf(doc), asObject(doc.data)]));
  const secrets = new Map<string, Record<string, unknown>>(byKind(docs, 'Secret').map((doc) => [nameOf(doc), { ...asObject(doc.data), ...asObject(doc.stringData) }]));
  for (const user of byKind(docs, 'KafkaUser')) {
    secrets.set(nameOf(user), Object.fromEntries(KAFKA_USER_SECRET_KEYS.map((key) => [key, `<${key} of Kafka user ${nameOf(user)}>`])));
  }
  const env: Record<string, string> = {};
  for (const source of asArray(container.envFrom).filter(isObject)) {
    const configMap = asObject(source.configMapRef).name;
    const secret = asObject(source.secretRef).name;
    const name = String(configMap ?? secret);
    const data = configMap !== undefined ? configMaps.get(name) : secrets.get(name);
    if (!data) problems.push(`${where}: envFrom ${configMap !== undefined ? 'ConfigMap' : 'Secret'} ${name} does not exist`);
    else for (const [key, value] of Object.entries(data)) env[key] = String(value);
  }
  for (const entry of asArray(container.env).filter(isObject)) {
    const name = String(entry.name);
    if (entry.value !== undefined) {
      env[name] = String(entry.value);
      continue;
    }
    const from = asObject(entry.valueFrom);
    const ref = asObject(from.configMapKeyRef ?? from.secretKeyRef);
    const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const data = (kind === 'ConfigMap' ? configMaps : secrets).get(String(ref.name));
    const value = data?.[String(ref.key)];
    if (value === undefined) problems.push(`${where}: ${name} comes from ${kind} ${String(ref.name)} key ${String(ref.key)}, which does not exist`);
    else env[name] = String(value);
  }
  return env;
}

export function k8sApps(docs: Json[], problems: string[] = []): K8sApp[] {
  const apps: K8sApp[] = [];
  for (const deployment of byKind(docs, 'Deployment')) {
    const app = String(labelsOf(deployment)['app.kubernetes.io/name']);
    const spec = APPS[app];
    const where = `Deployment ${nameOf(deployment)}`;
    if (!spec) {
      problems.push(`${where}: label app.kubernetes.io/name=${app} names no app of the platform`);
      continue;
    }
    const container = asArray(asObject(asObject(asObject(deployment.spec).template).spec).containers).filter(isObject)[0] ?? {};
    apps.push({ deployment: nameOf(deployment), app, spec, container, env: resolveEnv(docs, container, where, problems) });
  }
  return apps;
}

/** Named or numbered container port → number. */
function portNumber(container: Json, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  const named = asArray(container.ports).filter(isObject).find((candidate) => candidate.name === port);
  return named ? Number(named.containerPort) : undefined;
}

/** Ports, probes, Services, per-ERP Deployments, autoscaling and Kafka identities of the rendered manifests. */
export function k8sProblems(docs: Json[], plan: TopicPlan, users: KafkaUserAcl[], groupsOf: (user: KafkaUserAcl) => string[]): string[] {
  const problems: string[] = [];
  const apps = k8sApps(docs, problems);
  for (const { deployment, app, spec, container, env } of apps) {
    const where = `Deployment ${deployment}`;
    const ports = asArray(container.ports).filter(isObject).map((port) => Number(port.containerPort));
    if (!ports.includes(spec.port)) problems.push(`${where}: container port ${ports.join(', ') || 'none'}, ${app} listens on ${spec.port}`);
    if (env.PORT !== String(spec.port)) problems.push(`${where}: PORT is ${env.PORT ?? 'unset'}, ${app} listens on ${spec.port}`);
    for (const [probe, path] of [
      ['readinessProbe', spec.ready],
      ['livenessProbe', spec.live],
    ] as const) {
      const httpGet = asObject(asObject(container[probe]).httpGet);
      if (httpGet.path !== path) problems.push(`${where}: ${probe} calls ${String(httpGet.path ?? 'nothing')}, expected ${path}`);
      const port = portNumber(container, httpGet.port);
      if (port !== spec.port) problems.push(`${where}: ${probe} calls port ${String(httpGet.port)}, ${app} listens on ${spec.port}`);
    }
    if (spec.service) {
      const user = users.find((candidate) => candidate.name === env.KAFKA_SASL_USERNAME);
      if (!user) problems.push(`${where}: KAFKA_SASL_USERNAME ${env.KAFKA_SASL_USERNAME ?? 'unset'} is no Kafka user of deploy/kafka/acls.yaml`);
      else if (user.service !== spec.service) problems.push(`${where}: uses Kafka user ${user.name} of service ${user.service}`);
      else if (user.erpSystem !== undefined && user.erpSystem !== env.ERP_SYSTEMS) problems.push(`${where}: runs ERP_SYSTEMS=${env.ERP_SYSTEMS} with the Kafka user of ${user.erpSystem}`);
      const passwordRef = asObject(asObject(asArray(container.env).filter(isObject).find((entry) => entry.name === 'KAFKA_SASL_PASSWORD')?.valueFrom).secretKeyRef);
      if (user && (passwordRef.name !== user.name || passwordRef.key !== 'password')) problems.push(`${where}: KAFKA_SASL_PASSWORD must come from Secret ${user.name} key password`);
    }
  }

  for (const service of byKind(docs, 'Service')) {
    const app = apps.find((candidate) => candidate.app === String(asObject(asObject(service.spec).selector)['app.kubernetes.io/name']));
    if (!app) continue;
    for (const port of asArray(asObject(service.spec).ports).filter(isObject)) {
      if (portNumber(app.container, port.targetPort ?? port.port) !== app.spec.port) problems.push(`Service ${nameOf(service)}: targets port ${String(port.targetPort)}, ${app.app} listens on ${app.spec.port}`);
    }
  }
  for (const app of Object.keys(APPS).filter((name) => APPS[name].service)) {
    if (!apps.some((candidate) => candidate.app === app)) problems.push(`${app}: no Deployment`);
    if (!byKind(docs, 'Service').some((service) => asObject(asObject(service.spec).selector)['app.kubernetes.io/name'] === app)) problems.push(`${app}: no Service`);
  }

  const connectors = apps.filter((app) => app.spec.service === 'erp-connector');
  const accepted = plan.topics.find((topic) => topic.name === Topics.BudgetAccepted);
  for (const system of ERP_SYSTEMS) {
    const own = connectors.filter((app) => app.env.ERP_SYSTEMS === system);
    if (own.length !== 1) problems.push(`erp-connector: expected one Deployment with ERP_SYSTEMS=${system}, found ${own.length}`);
    for (const connector of own) {
      const where = `ScaledObject of Deployment ${connector.deployment}`;
      const scaled = byKind(docs, 'ScaledObject').filter((doc) => asObject(asObject(doc.spec).scaleTargetRef).name === connector.deployment);
      if (scaled.length !== 1) {
        problems.push(`${where}: expected one, found ${scaled.length}`);
        continue;
      }
      const spec = asObject(scaled[0].spec);
      const trigger = asArray(spec.triggers).filter(isObject).find((candidate) => candidate.type === 'kafka');
      if (!trigger) {
        problems.push(`${where}: no kafka trigger`);
        continue;
      }
      const metadata = asObject(trigger.metadata);
      const user = users.find((candidate) => candidate.name === connector.env.KAFKA_SASL_USERNAME);
      const workerGroup = user ? groupsOf(user).find((group) => group.endsWith(`.${system}`)) : undefined;
      if (metadata.consumerGroup !== workerGroup) problems.push(`${where}: watches consumer group ${String(metadata.consumerGroup)}, the ${system} workers consume in ${workerGroup ?? '(unknown)'}`);
      if (metadata.topic !== Topics.BudgetAccepted) problems.push(`${where}: watches topic ${String(metadata.topic)}, the export work arrives on ${Topics.BudgetAccepted}`);
      if (!(Number(metadata.lagThreshold) > 0)) problems.push(`${where}: lagThreshold must be a positive number`);
      if (metadata.bootstrapServers !== connector.env.KAFKA_BROKERS) problems.push(`${where}: bootstrapServers ${String(metadata.bootstrapServers)} differ from the Deployment's KAFKA_BROKERS`);
      if (accepted && Number(spec.maxReplicaCount) > accepted.partitions) problems.push(`${where}: maxReplicaCount ${String(spec.maxReplicaCount)} exceeds the ${accepted.partitions} partitions of ${accepted.name}`);
      const auth = String(asObject(trigger.authenticationRef).name);
      if (!byKind(docs, 'TriggerAuthentication').some((doc) => nameOf(doc) === auth)) problems.push(`${where}: TriggerAuthentication ${auth} does not exist`);
    }
  }

  problems.push(...createdTopicProblems('KafkaTopic resources', topicsInStrimzi(docs), plan));
  return problems;
}

/** Each Deployment's environment resolved through its ConfigMaps and Secrets, to validate against its config schema. */
export function k8sEnvCases(docs: Json[]): EnvCase[] {
  // The image runs with NODE_ENV=production unless the Deployment says otherwise.
  return k8sApps(docs).flatMap((app) => (app.spec.service ? [{ where: `Deployment ${app.deployment}`, service: app.spec.service, env: { NODE_ENV: 'production', ...app.env } }] : []));
}
