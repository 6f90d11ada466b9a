import { APPS, AppSpec, databaseOf, ERP_SYSTEMS } from './catalog';
import { EnvCase } from './config-schemas';
import { asArray, asObject, Json } from './repo';
import { createdTopicProblems, topicsInScript } from './topic-checks';
import { TopicPlan } from './topic-plan';

/** A compose service that runs one of the platform's apps (recognised by its image `budget-erp/<app>:<tag>`). */
export interface ComposeApp {
  name: string;
  app: string;
  spec: AppSpec;
  definition: Json;
  env: Record<string, string>;
}

const services = (compose: Json): Record<string, Json> =>
  Object.fromEntries(Object.entries(asObject(compose.services)).map(([name, value]) => [name, asObject(value)]));

/** Compose interpolation with no variables set: `${VAR:-default}` and `${VAR-default}` take the default. */
export function interpolate(value: string, problems: string[], where: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    if (fallback === undefined) problems.push(`${where}: \${${name}} has no default, so the file does not run as is`);
    return fallback ?? '';
  });
}

function environmentOf(definition: Json, problems: string[], where: string): Record<string, string> {
  const raw = definition.environment;
  const env: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw.map(String)) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = interpolate(entry.slice(eq + 1), problems, where);
    }
  } else {
    for (const [key, value] of Object.entries(asObject(raw))) env[key] = interpolate(String(value ?? ''), problems, where);
  }
  return env;
}

export function composeApps(compose: Json, problems: string[] = []): ComposeApp[] {
  const apps: ComposeApp[] = [];
  for (const [name, definition] of Object.entries(services(compose))) {
    const match = /^budget-erp\/([a-z-]+):/.exec(String(definition.image ?? ''));
    if (!match) continue;
    const spec = APPS[match[1]];
    if (!spec) {
      problems.push(`docker-compose.yml: service ${name} runs image ${String(definition.image)}, which is no app of the platform`);
      continue;
    }
    apps.push({ name, app: match[1], spec, definition, env: environmentOf(definition, problems, `docker-compose.yml ${name}`) });
  }
  return apps;
}

const dependsOn = (definition: Json): Record<string, string> => {
  const raw = definition.depends_on;
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((name) => [String(name), 'service_started']));
  return Object.fromEntries(Object.entries(asObject(raw)).map(([name, value]) => [name, String(asObject(value).condition ?? 'service_started')]));
};

/** Whether `from` waits (directly or through what it waits for) for `target` to reach `condition`. */
function waitsFor(all: Record<string, Json>, from: string, target: string, condition: string, seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  const deps = dependsOn(all[from] ?? {});
  if (deps[target] === condition) return true;
  return Object.entries(deps).some(([dep, cond]) => cond !== 'service_started' && waitsFor(all, dep, target, condition, seen));
}

const healthcheckText = (definition: Json): string | undefined => {
  const test = asObject(definition.healthcheck).test;
  if (test === undefined) return undefined;
  return Array.isArray(test) ? test.map(String).join(' ') : String(test);
};

/** The compose file: Kafka in KRaft mode, topics created first, apps with the right ports, probes, databases and start order. */
export function composeProblems(compose: Json, script: string, initSql: string, plan: TopicPlan): string[] {
  const problems: string[] = [];
  const all = services(compose);
  const at = (name: string) => `docker-compose.yml ${name}`;

  const kafka = Object.entries(all).find(([, def]) => /^apache\/kafka:/.test(String(def.image)) && asObject(def.environment).KAFKA_PROCESS_ROLES !== undefined);
  if (!kafka) problems.push('docker-compose.yml: no Apache Kafka broker (image apache/kafka with KAFKA_PROCESS_ROLES)');
  const [kafkaName, kafkaDef] = kafka ?? ['kafka', {} as Json];
  const kafkaEnv = environmentOf(kafkaDef, problems, at(kafkaName));
  if (kafka) {
    const roles = (kafkaEnv.KAFKA_PROCESS_ROLES ?? '').split(',').map((role) => role.trim());
    if (!roles.includes('broker') || !roles.includes('controller')) problems.push(`${at(kafkaName)}: not in KRaft mode (KAFKA_PROCESS_ROLES must hold broker and controller)`);
    if (kafkaEnv.KAFKA_AUTO_CREATE_TOPICS_ENABLE !== 'false') problems.push(`${at(kafkaName)}: topic auto-creation must be off so only planned topics exist`);
    if (!healthcheckText(kafkaDef)) problems.push(`${at(kafkaName)}: no healthcheck`);
  }
  const advertised = (kafkaEnv.KAFKA_ADVERTISED_LISTENERS ?? '').split(',').map((listener) => listener.replace(/^[A-Z_]+:\/\//, '').trim());

  const init = Object.entries(all).find(([, def]) => JSON.stringify([def.entrypoint, def.command]).includes('create-topics.sh'));
  if (!init) problems.push('docker-compose.yml: no one-shot service runs deploy/kafka/create-topics.sh');
  else {
    const [initName, initDef] = init;
    if (!asArray(initDef.volumes).map(String).some((volume) => volume.startsWith('./deploy/kafka/create-topics.sh:'))) {
      problems.push(`${at(initName)}: does not mount ./deploy/kafka/create-topics.sh`);
    }
    if (dependsOn(initDef)[kafkaName] !== 'service_healthy') problems.push(`${at(initName)}: must wait for ${kafkaName} to be healthy`);
    problems.push(...createdTopicProblems(`${at(initName)} (deploy/kafka/create-topics.sh)`, topicsInScript(script), plan));
  }

  for (const [name, def] of Object.entries(all)) {
    for (const [dep, condition] of Object.entries(dependsOn(def))) {
      if (!all[dep]) problems.push(`${at(name)}: depends on unknown service ${dep}`);
      if (condition !== 'service_healthy' && condition !== 'service_completed_successfully') problems.push(`${at(name)}: waits for ${dep} only to start (${condition})`);
    }
    // One-shot jobs (the topic init, the secrets generator) complete instead of staying healthy.
    if ((init && name === init[0]) || isOneShot(def)) continue;
    if (!healthcheckText(def)) problems.push(`${at(name)}: no healthcheck`);
  }

  const apps = composeApps(compose, problems);
  const erpSystems = new Set<string>();
  for (const app of apps) {
    const where = at(app.name);
    const { port, live, ready, dir } = app.spec;
    if (app.env.PORT !== String(port)) problems.push(`${where}: PORT is ${app.env.PORT ?? 'unset'}, ${app.app} listens on ${port}`);
    for (const mapping of asArray(app.definition.ports).map(String)) {
      const container = mapping.split(':').pop();
      if (container !== String(port)) problems.push(`${where}: publishes container port ${container}, ${app.app} listens on ${port}`);
    }
    const health = healthcheckText(app.definition) ?? '';
    const probe = /https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[^'"\s)]*)/.exec(health);
    if (!probe) problems.push(`${where}: the healthcheck calls no local HTTP route`);
    else {
      if (probe[1] !== String(port)) problems.push(`${where}: the healthcheck calls port ${probe[1]}, ${app.app} listens on ${port}`);
      if (probe[2] !== live && probe[2] !== ready) problems.push(`${where}: the healthcheck calls ${probe[2]}, not ${live} or ${ready}`);
    }
    const build = asObject(app.definition.build);
    if (Object.keys(build).length > 0 && asObject(build.args).APP !== dir) problems.push(`${where}: builds APP=${String(asObject(build.args).APP)}, expected ${dir}`);
    const service = app.spec.service;
    if (!service) continue;

    if (init && !waitsFor(all, app.name, init[0], 'service_completed_successfully')) problems.push(`${where}: starts before the topics are created (${init[0]})`);
    const postgres = Object.entries(all).find(([, def]) => /^postgres:/.test(String(def.image)) && !isOneShot(def));
    if (postgres && !waitsFor(all, app.name, postgres[0], 'service_healthy')) problems.push(`${where}: starts before PostgreSQL is healthy`);

    for (const broker of (app.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean)) {
      if (!advertised.includes(broker)) problems.push(`${where}: KAFKA_BROKERS ${broker} is not an advertised listener of ${kafkaName} (${advertised.join(', ')})`);
    }
    problems.push(...databaseProblems(where, databaseOf(service), app.env.DATABASE_URL, initSql));
    if (service === 'erp-connector') for (const system of (app.env.ERP_SYSTEMS ?? '').split(',')) erpSystems.add(system.trim());
  }
  for (const system of ERP_SYSTEMS) if (!erpSystems.has(system)) problems.push(`docker-compose.yml: no erp-connector runs the ${system} workers (ERP_SYSTEMS)`);
  for (const [app, spec] of Object.entries(APPS)) if (!apps.some((candidate) => candidate.app === app)) problems.push(`docker-compose.yml: ${app} (${spec.dir}) is not run`);
  problems.push(...secretFileProblems(compose));
  return problems;
}

/** A service's DATABASE_URL names its own role and database, both created by the init SQL. */
function databaseProblems(where: string, database: string, url: string | undefined, initSql: string): string[] {
  if (!url) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [`${where}: DATABASE_URL is not a URL`];
  }
  const problems: string[] = [];
  const name = parsed.pathname.replace(/^\//, '');
  if (parsed.username !== database) problems.push(`${where}: DATABASE_URL logs in as ${parsed.username || 'nobody'}, not the service's own role ${database}`);
  if (name !== database) problems.push(`${where}: DATABASE_URL uses database ${name}, not the service's own ${database}`);
  const role = new RegExp(`CREATE ROLE ${parsed.username} LOGIN PASSWORD '([^']*)'`).exec(initSql);
  if (!role) problems.push(`${where}: role ${parsed.username} is not created by deploy/postgres/init`);
  else if (decodeURIComponent(parsed.password) !== role[1]) problems.push(`${where}: DATABASE_URL password differs from role ${parsed.username}'s in deploy/postgres/init`);
  if (!new RegExp(`CREATE DATABASE ${name} OWNER ${parsed.username};`).test(initSql)) problems.push(`${where}: database ${name} owned by ${parsed.username} is not created by deploy/postgres/init`);
  return problems;
}

const isOneShot = (definition: Json): boolean => String(definition.restart ?? '') === 'no';

/**
 * What a `<NAME>_FILE` secret stands for in the check: the file is generated at first start, so a
 * value of its shape (32 random bytes, base64) takes its place.
 */
export const GENERATED_SECRET_STAND_IN = Buffer.from('generated-at-first-start-32bytes').toString('base64');

/**
 * The environment a service's config sees: the image's `NODE_ENV=production` unless the service
 * sets it, and each `<NAME>_FILE` read as `<NAME>` (a stand-in value; the path must be on a volume
 * the service mounts, see `secretFileProblems`).
 */
function effectiveEnv(env: Record<string, string>): Record<string, string> {
  const effective: Record<string, string> = { NODE_ENV: 'production' };
  for (const [key, value] of Object.entries(env)) {
    if (key.endsWith('_FILE') && key !== 'KAFKA_SSL_CA_FILE') effective[key.slice(0, -'_FILE'.length)] = GENERATED_SECRET_STAND_IN;
    else effective[key] = value;
  }
  return effective;
}

/** A `<NAME>_FILE` whose path no volume of the service mounts would not be there at start. */
export function secretFileProblems(compose: Json): string[] {
  return composeApps(compose).flatMap((app) => {
    const targets = asArray(app.definition.volumes).map((volume) => String(volume).split(':')[1] ?? '');
    return Object.entries(app.env)
      .filter(([key]) => key.endsWith('_FILE') && key !== 'KAFKA_SSL_CA_FILE')
      .filter(([, file]) => !targets.some((target) => target !== '' && file.startsWith(`${target}/`)))
      .map(([key, file]) => `docker-compose.yml ${app.name}: ${key} names ${file}, on no volume the service mounts`);
  });
}

/** Each compose service's environment, to validate against its own config schema. */
export function composeEnvCases(compose: Json): EnvCase[] {
  return composeApps(compose).flatMap((app) => (app.spec.service ? [{ where: `docker-compose.yml ${app.name}`, service: app.spec.service, env: effectiveEnv(app.env) }] : []));
}
