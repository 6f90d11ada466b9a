import {
  aclProblems,
  APPS,
  catalogProblems,
  codeSources,
  codeKafkaFacts,
  composeEnvCases,
  composeProblems,
  EnvCase,
  envVerdictProblems,
  Json,
  k8sEnvCases,
  k8sProblems,
  kustomizeBuild,
  parseAclPlan,
  parseTopicPlan,
  parseYaml,
  readRepoFile,
  repoPath,
  staleGeneratedFiles,
  topicPlanProblems,
  validateEnvironments,
} from '../src';

const plan = parseTopicPlan(readRepoFile('deploy/kafka/topics.yaml'));
const users = parseAclPlan(readRepoFile('deploy/kafka/acls.yaml'));
const compose = parseYaml(readRepoFile('docker-compose.yml')) as Json;
const script = readRepoFile('deploy/kafka/create-topics.sh');
const initSql = readRepoFile('deploy/postgres/init/01-service-databases.sql');
const k8s = kustomizeBuild(repoPath('deploy/k8s/overlays/example'));
const facts = codeKafkaFacts();
const clone = <T>(value: T): T => structuredClone(value);
const service = (doc: Json, name: string): Json => (doc.services as Record<string, Json>)[name];
const env = (doc: Json, name: string): Record<string, string> => service(doc, name).environment as Record<string, string>;
const deployment = (docs: Json[], name: string): Json =>
  docs.find((doc) => doc.kind === 'Deployment' && (doc.metadata as Json).name === name)!;
const container = (docs: Json[], name: string): Json =>
  ((((deployment(docs, name).spec as Json).template as Json).spec as Json).containers as Json[])[0];
const scaler = (docs: Json[], name: string): Json =>
  (((docs.find((doc) => doc.kind === 'ScaledObject' && (doc.metadata as Json).name === name)!.spec as Json).triggers as Json[])[0].metadata as Json);
const containerEnv = (docs: Json[], name: string, variable: string): Json =>
  (container(docs, name).env as Json[]).find((entry) => entry.name === variable)!;

/**
 * Every environment to validate, the committed ones and deliberately broken copies, checked by the
 * services' own schemas in one child process (see validateEnvironments).
 */
const brokenCompose: [string, (copy: Json) => void, string][] = [
  ['no DATABASE_URL', (c) => void delete env(c, 'approval').DATABASE_URL, 'docker-compose.yml approval: DATABASE_URL is missing'],
  ['an unknown ERP system', (c) => void (env(c, 'erp-connector-cmic').ERP_SYSTEMS = 'sap'), 'docker-compose.yml erp-connector-cmic: ERP_SYSTEMS is invalid'],
  ['an SMTP port that is no port', (c) => void (env(c, 'notification').SMTP_PORT = 'smtp'), 'docker-compose.yml notification: SMTP_PORT is invalid'],
  ['a misspelt variable', (c) => void (env(c, 'erp-connector-quickbooks').ERP_QUICKBOOKS_BASE_URL = 'http://erp-simulator:3010'), 'sets ERP_QUICKBOOKS_BASE_URL, which the erp-connector config schema does not read'],
  ['the published development token secret', (c) => void (delete env(c, 'budget').JWT_SECRET_FILE, (env(c, 'budget').JWT_SECRET = 'dev-only-secret-change-me-0123456789abcdef')), 'docker-compose.yml budget: JWT_SECRET is a development secret published with the source'],
  ['HS256 in production without JWT_ALLOW_HS256', (c) => void delete env(c, 'approval').JWT_ALLOW_HS256, 'docker-compose.yml approval: JWT_SECRET is refused when NODE_ENV=production'],
  ['no token audience in production', (c) => void delete env(c, 'notification').JWT_AUDIENCE, 'docker-compose.yml notification: JWT_AUDIENCE is required when NODE_ENV=production'],
];
const brokenK8s: [string, (copy: Json[]) => void, string][] = [
  ['no token key, as when the JWKS secret is missing', (c) => void c.splice(c.findIndex((d) => d.kind === 'Secret' && (d.metadata as Json).name === 'platform-auth'), 1), 'Deployment budget: JWT_SECRET is missing'],
  ['an invalid database URL', (c) => void (c.find((d) => d.kind === 'Secret' && (d.metadata as Json).name === 'budget-database')!.stringData = { DATABASE_URL: 'not a url' }), 'Deployment budget: DATABASE_URL is invalid'],
  ['an unknown ERP system', (c) => void (containerEnv(c, 'erp-connector-cmic', 'ERP_SYSTEMS').value = 'sap'), 'Deployment erp-connector-cmic: ERP_SYSTEMS is invalid'],
  ['a Kafka SASL mechanism the platform does not speak', (c) => void ((c.find((d) => d.kind === 'ConfigMap' && String((d.metadata as Json).name).startsWith('platform-config'))!.data as Json).KAFKA_SASL_MECHANISM = 'gssapi'), 'Deployment budget: KAFKA_SASL_MECHANISM is invalid'],
  ['a Kafka SASL user without its password', (c) => void (container(c, 'notification').env as Json[]).splice((container(c, 'notification').env as Json[]).findIndex((e) => e.name === 'KAFKA_SASL_PASSWORD'), 1), 'Deployment notification: KAFKA_SASL_PASSWORD is missing'],
  ['no token issuer in production', (c) => void (c.find((d) => d.kind === 'Secret' && (d.metadata as Json).name === 'platform-auth')!.stringData = { JWKS_URL: 'https://auth.example.com/.well-known/jwks.json', JWT_AUDIENCE: 'budget-erp' }), 'Deployment budget: JWT_ISSUER is required when NODE_ENV=production'],
  ['a credentials key of the wrong length', (c) => void (c.find((d) => d.kind === 'Secret' && (d.metadata as Json).name === 'erp-connector-credentials')!.stringData = { ERP_CREDENTIALS_KEY: 'c2hvcnQ=' }), 'ERP_CREDENTIALS_KEY is invalid'],
];
const scenarios: { id: string; cases: EnvCase[] }[] = [
  { id: 'compose', cases: composeEnvCases(compose) },
  { id: 'k8s', cases: k8sEnvCases(k8s) },
  ...brokenCompose.map(([id, breakIt]) => {
    const copy = clone(compose);
    breakIt(copy);
    return { id: `compose: ${id}`, cases: composeEnvCases(copy) };
  }),
  ...brokenK8s.map(([id, breakIt]) => {
    const copy = clone(k8s);
    breakIt(copy);
    return { id: `k8s: ${id}`, cases: k8sEnvCases(copy) };
  }),
];
const envProblems = new Map<string, string[]>();

beforeAll(() => {
  const verdicts = validateEnvironments(scenarios.flatMap((scenario) => scenario.cases));
  let next = 0;
  for (const scenario of scenarios) {
    const own = verdicts.slice(next, next + scenario.cases.length);
    next += scenario.cases.length;
    envProblems.set(scenario.id, envVerdictProblems(scenario.cases, own));
  }
});

describe('the deployment as committed', () => {
  it('assumes the ports and health routes the code serves', () => {
    expect(catalogProblems(codeSources())).toEqual([]);
  });

  it('plans exactly the topics the code uses, each event topic with its dead-letter topic', () => {
    expect(topicPlanProblems(plan)).toEqual([]);
  });

  it('has its topic script, Strimzi topics and Kafka users generated from the current deploy/kafka', () => {
    expect(
      staleGeneratedFiles(plan, users, {
        createTopicsScript: script,
        strimziTopics: readRepoFile('deploy/k8s/base/kafka/topics.yaml'),
        strimziUsers: readRepoFile('deploy/k8s/base/kafka/users.yaml'),
      }),
    ).toEqual([]);
  });

  it('runs Kafka in KRaft mode in docker-compose, creates every topic before the services, and starts each app on its port behind a health check', () => {
    expect(composeProblems(compose, script, initSql, plan)).toEqual([]);
  });

  it('gives every service in docker-compose an environment its own config schema accepts, with no variable it would ignore', () => {
    expect(envProblems.get('compose')).toEqual([]);
  });

  it('deploys on Kubernetes with the right ports and probes, one autoscaled erp-connector per ERP, and every topic defined', () => {
    expect(k8sProblems(k8s, plan, users)).toEqual([]);
  });

  it("gives every Kubernetes Deployment, through its ConfigMaps and Secrets, an environment its service's config schema accepts", () => {
    expect(envProblems.get('k8s')).toEqual([]);
  });

  it("grants each service's Kafka user exactly its code's consumer groups, reads and writes", () => {
    expect(aclProblems(users, facts)).toEqual([]);
  });
});

describe('a deliberately broken copy is reported', () => {
  it.each<[string, (copy: { compose: Json; script: string }) => void, string]>([
    ['a topic missing from the compose topic script', (c) => void (c.script = c.script.replace(/^erp\.posted\.dlq .*\n/m, '')), 'topic erp.posted.dlq is used by the code but not created'],
    ['a topic created with too few partitions', (c) => void (c.script = c.script.replace(/^budget\.accepted 12 /m, 'budget.accepted 1 ')), 'topic budget.accepted has 1 partitions, the plan says 12'],
    ['a generated secret the service does not mount', (c) => void delete service(c.compose, 'approval').volumes, 'approval: JWT_SECRET_FILE names /run/platform-secrets/jwt-secret, on no volume the service mounts'],
    ['a health check on a wrong route', (c) => void ((service(c.compose, 'budget').healthcheck as Json).test = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:3001/healthz')"]), 'the healthcheck calls /healthz'],
    ['a service on a wrong port', (c) => void (env(c.compose, 'approval').PORT = '3005'), 'PORT is 3005, approval listens on 3002'],
    ['a service that does not wait for the topics', (c) => void (service(c.compose, 'notification').depends_on = { postgres: { condition: 'service_healthy' } }), 'notification: starts before the topics are created'],
    ['an ERP whose workers run nowhere', (c) => void (env(c.compose, 'erp-connector-quickbooks').ERP_SYSTEMS = 'cmic'), 'no erp-connector runs the quickbooks workers'],
    ['a service on another service\'s database', (c) => void (env(c.compose, 'budget').DATABASE_URL = 'postgres://approval:approval-dev-password@postgres:5432/approval'), 'not the service\'s own role budget'],
    ['Kafka without KRaft', (c) => void (env(c.compose, 'kafka').KAFKA_PROCESS_ROLES = 'broker'), 'not in KRaft mode'],
    ['no Kafka broker at all', (c) => void delete (c.compose.services as Json).kafka, 'no Apache Kafka broker'],
    ['topic auto-creation on', (c) => void (env(c.compose, 'kafka').KAFKA_AUTO_CREATE_TOPICS_ENABLE = 'true'), 'topic auto-creation must be off'],
    ['Kafka without a healthcheck', (c) => void delete service(c.compose, 'kafka').healthcheck, 'docker-compose.yml kafka: no healthcheck'],
    ['no topic-init job', (c) => void delete (c.compose.services as Json)['kafka-topics'], 'no one-shot service runs deploy/kafka/create-topics.sh'],
    ['a topic-init job without the script', (c) => void (service(c.compose, 'kafka-topics').volumes = []), 'does not mount ./deploy/kafka/create-topics.sh'],
    ['a topic-init job that does not wait for Kafka', (c) => void (service(c.compose, 'kafka-topics').depends_on = {}), 'kafka-topics: must wait for kafka to be healthy'],
    ['a wait on a service that does not exist', (c) => void ((service(c.compose, 'approval').depends_on as Json).redis = { condition: 'service_healthy' }), 'approval: depends on unknown service redis'],
    ['a wait only for a start', (c) => void ((service(c.compose, 'approval').depends_on as Json).mailpit = { condition: 'service_started' }), 'approval: waits for mailpit only to start'],
    ['an app without a healthcheck', (c) => void delete service(c.compose, 'erp-simulator').healthcheck, 'erp-simulator: no healthcheck'],
    ['a healthcheck on another port', (c) => void ((service(c.compose, 'notification').healthcheck as Json).test = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:3001/health/ready')"]), 'notification: the healthcheck calls port 3001'],
    ['a published port that is not the app\'s', (c) => void (service(c.compose, 'budget').ports = ['3001:8080']), 'budget: publishes container port 8080'],
    ['an image built from another app', (c) => void (((service(c.compose, 'approval').build as Json).args as Json).APP = 'services/budget'), 'approval: builds APP=services/budget'],
    ['brokers that Kafka does not advertise', (c) => void (env(c.compose, 'budget').KAFKA_BROKERS = 'localhost:9092'), 'budget: KAFKA_BROKERS localhost:9092 is not an advertised listener'],
    ['a database password that is not the role\'s', (c) => void (env(c.compose, 'approval').DATABASE_URL = 'postgres://approval:wrong@postgres:5432/approval'), 'approval: DATABASE_URL password differs'],
    ['an app that is not run', (c) => void delete (c.compose.services as Json)['erp-simulator'], 'erp-simulator (tools/erp-simulator) is not run'],
    ['a variable without a default', (c) => void (env(c.compose, 'budget').JWT_SECRET = '${JWT_SECRET}'), 'budget: ${JWT_SECRET} has no default'],
  ])('docker-compose: %s', (_name, breakIt, expected) => {
    const copy = { compose: clone(compose), script };
    breakIt(copy);
    expect(composeProblems(copy.compose, copy.script, initSql, plan).join('\n')).toContain(expected);
  });

  it.each(brokenCompose)('docker-compose environment against the config schema: %s', (name, _breakIt, expected) => {
    expect(envProblems.get(`compose: ${name}`)!.join('\n')).toContain(expected);
  });

  it.each<[string, (copy: Json[]) => void, string]>([
    ['a readiness probe on a wrong route', (c) => void ((container(c, 'budget').readinessProbe as Json).httpGet = { path: '/health', port: 'http' }), 'Deployment budget: readinessProbe calls /health, expected /health/ready'],
    ['a liveness probe on a wrong port', (c) => void ((container(c, 'notification').livenessProbe as Json).httpGet = { path: '/health/live', port: 8080 }), 'Deployment notification: livenessProbe calls port 8080'],
    ['a wrong container port', (c) => void ((container(c, 'approval').ports as Json[])[0].containerPort = 8080), 'Deployment approval: container port 8080'],
    ['autoscaling on another ERP\'s backlog', (c) => void (scaler(c, 'erp-connector-cmic').query = 'max(erp_connector_pending_exports{erp_system="quickbooks"})'), 'erp-connector-cmic: scales on the backlog of quickbooks, the Deployment runs the cmic workers'],
    ['autoscaling on consumer lag instead of the backlog', (c) => void ((c.find((d) => d.kind === 'ScaledObject')!.spec as Json).triggers = [{ type: 'kafka', metadata: { consumerGroup: 'erp-connector', topic: 'budget.accepted', lagThreshold: '20' } }]), 'no prometheus trigger on the ERP\'s backlog'],
    ['autoscaling on the sum of the replicas\' figures', (c) => void (scaler(c, 'erp-connector-sage300cre').query = 'sum(erp_connector_pending_exports{erp_system="sage300cre"})'), 'is not max(erp_connector_pending_exports{erp_system="sage300cre"})'],
    ['autoscaling without a threshold', (c) => void delete scaler(c, 'erp-connector-cmic').threshold, 'threshold must be a positive number'],
    ['autoscaling without a Prometheus to ask', (c) => void delete scaler(c, 'erp-connector-quickbooks').serverAddress, 'erp-connector-quickbooks: serverAddress must be the Prometheus URL'],
    ['a KafkaTopic missing', (c) => void c.splice(c.findIndex((d) => d.kind === 'KafkaTopic' && (d.spec as Json).topicName === 'budget.sent'), 1), 'KafkaTopic resources: topic budget.sent is used by the code but not created'],
    ['two Deployments for the same ERP', (c) => void ((container(c, 'erp-connector-sage300cre').env as Json[]).find((e) => e.name === 'ERP_SYSTEMS')!.value = 'cmic'), 'expected one Deployment with ERP_SYSTEMS=sage300cre, found 0'],
    ['a Deployment using another service\'s Kafka user', (c) => void ((container(c, 'budget').env as Json[]).find((e) => e.name === 'KAFKA_SASL_USERNAME')!.value = 'approval'), 'Deployment budget: uses Kafka user approval of service approval'],
    ['a per-ERP Deployment with another ERP\'s Kafka user', (c) => void (containerEnv(c, 'erp-connector-cmic', 'KAFKA_SASL_USERNAME').value = 'erp-connector-quickbooks'), 'erp-connector-cmic: runs ERP_SYSTEMS=cmic with the Kafka user of quickbooks'],
    ['a SASL password from another Secret', (c) => void (containerEnv(c, 'notification', 'KAFKA_SASL_PASSWORD').valueFrom = { secretKeyRef: { name: 'budget', key: 'password' } }), 'notification: KAFKA_SASL_PASSWORD must come from Secret notification key password'],
    ['a Service aiming at another port', (c) => void (((c.find((d) => d.kind === 'Service' && (d.metadata as Json).name === 'approval')!.spec as Json).ports as Json[])[0].targetPort = 8080), 'Service approval: targets port 8080'],
    ['a service without a Deployment', (c) => void c.splice(c.indexOf(deployment(c, 'notification')), 1), 'notification: no Deployment'],
    ['a service without a Service', (c) => void c.splice(c.findIndex((d) => d.kind === 'Service' && (d.metadata as Json).name === 'budget'), 1), 'budget: no Service'],
    ['an ERP Deployment without autoscaling', (c) => void c.splice(c.findIndex((d) => d.kind === 'ScaledObject' && (d.metadata as Json).name === 'erp-connector-quickbooks'), 1), 'ScaledObject of Deployment erp-connector-quickbooks: expected one, found 0'],
    ['a ConfigMap that does not exist', (c) => void c.splice(c.findIndex((d) => d.kind === 'ConfigMap' && (d.metadata as Json).name === 'budget-config'), 1), 'Deployment budget: envFrom ConfigMap budget-config does not exist'],
    ['a topic with other partitions than planned', (c) => void ((c.find((d) => d.kind === 'KafkaTopic' && (d.spec as Json).topicName === 'erp.posted')!.spec as Json).partitions = 1), 'topic erp.posted has 1 partitions, the plan says 6'],
    ['a compacted topic turned to delete', (c) => void ((c.find((d) => d.kind === 'KafkaTopic' && (d.spec as Json).topicName === 'erp.project.linked')!.spec as Json).config = { 'cleanup.policy': 'delete' }), 'topic erp.project.linked cleanup.policy is delete, the plan says compact'],
  ])('Kubernetes: %s', (_name, breakIt, expected) => {
    const copy = clone(k8s);
    breakIt(copy);
    expect(k8sProblems(copy, plan, users).join('\n')).toContain(expected);
  });

  it('Kubernetes: a Secret a Deployment refers to is missing', () => {
    const copy = clone(k8s);
    copy.splice(copy.findIndex((d) => d.kind === 'Secret' && (d.metadata as Json).name === 'platform-auth'), 1);
    expect(k8sProblems(copy, plan, users).join('\n')).toContain('JWKS_URL comes from Secret platform-auth key JWKS_URL, which does not exist');
  });

  it.each(brokenK8s)('Kubernetes environment against the config schema: %s', (name, _breakIt, expected) => {
    expect(envProblems.get(`k8s: ${name}`)!.join('\n')).toContain(expected);
  });

  it.each<[string, (copy: typeof users) => void, string]>([
    ['a consumer group that is not the code\'s', (c) => void (c.find((u) => u.name === 'budget')!.groups = ['budget-service']), 'deploy/kafka/acls.yaml budget: lacks consumer group budget'],
    ['a per-ERP worker in another ERP\'s group', (c) => void (c.find((u) => u.name === 'erp-connector-cmic')!.groups = ['erp-connector', 'erp-connector.quickbooks']), 'erp-connector-cmic: has consumer group erp-connector.quickbooks, which its code does not need'],
    ['a write the service does not need', (c) => void c.find((u) => u.name === 'notification')!.write.push('budget.accepted'), 'notification: has write on budget.accepted, which its code does not need'],
    ['a missing dead-letter write', (c) => void (c.find((u) => u.name === 'approval')!.write = c.find((u) => u.name === 'approval')!.write.filter((t) => t !== 'budget.sent.dlq')), 'approval: lacks write on budget.sent.dlq'],
    ['no user for an ERP\'s workers', (c) => void c.splice(c.findIndex((u) => u.name === 'erp-connector-sage300cre'), 1), 'no Kafka user for the sage300cre workers'],
    ['no user for a service', (c) => void c.splice(c.findIndex((u) => u.name === 'notification'), 1), 'no Kafka user for notification'],
    ['a user for no service of the platform', (c) => void c.push({ name: 'reporting', service: 'reporting', groups: ['reporting'], read: ['budget.sent'], write: [] }), 'reporting: reporting is no service of the platform'],
  ])('Kafka ACLs: %s', (_name, breakIt, expected) => {
    const copy = clone(users);
    breakIt(copy);
    expect(aclProblems(copy, facts).join('\n')).toContain(expected);
  });

  it('the ACLs: a read the code never consumes, when the code is known', () => {
    const copy = clone(users);
    copy.find((u) => u.name === 'budget')!.read.push('notification.sent');
    const known = { ...facts, budget: { consumes: () => copy.find((u) => u.name === 'budget')!.read.filter((t) => t !== 'notification.sent'), groups: () => ['budget'] } };
    expect(aclProblems(copy, known).join('\n')).toContain('budget: has read on notification.sent, which its code does not need');
  });

  it.each<[string, (apps: typeof APPS) => void, string]>([
    ['a port other than the service\'s own', (a) => void (a.budget = { ...a.budget, port: 3005 }), 'budget: the deployment uses port 3005, services/budget/src/config.ts defaults to 3001'],
    ['a probe route the service kit does not serve', (a) => void (a.approval = { ...a.approval, ready: '/ready' }), 'approval: probes /ready, which the service kit does not serve'],
    ['a simulator route that does not exist', (a) => void (a['erp-simulator'] = { ...a['erp-simulator'], live: '/health/live' }), 'erp-simulator: probes /health/live, which the simulator does not serve'],
    ['a port other than the console\'s own', (a) => void (a['web-console'] = { ...a['web-console'], port: 8080 }), 'web-console: the deployment uses port 8080, the console defaults to 3000'],
    ['a console route that does not exist', (a) => void (a['web-console'] = { ...a['web-console'], ready: '/ready' }), 'web-console: probes /ready, which the console does not serve'],
  ])('the assumed ports and routes: %s', (_name, breakIt, expected) => {
    const copy = { ...APPS };
    breakIt(copy);
    expect(catalogProblems(codeSources(), copy).join('\n')).toContain(expected);
  });

  it.each<[string, (copy: typeof plan) => void, string]>([
    ['an event topic left out', (p) => void (p.topics = p.topics.filter((t) => t.name !== 'erp.connection.updated')), 'topic erp.connection.updated is used by the code but not planned'],
    ['a topic the code does not use', (p) => void p.topics.push({ name: 'budget.deleted', partitions: 3, cleanup: 'delete', retentionMs: 1 }), 'topic budget.deleted is not used by the code'],
    ['a topic without partitions', (p) => void (p.topics[2].partitions = 0), 'has no valid partition count'],
    ['a compacted topic keyed by the budget id alone', (p) => void (p.topics.find((t) => t.name === 'export.succeeded')!.cleanup = 'compact'), 'topic export.succeeded is compacted, but its keys do not include the company'],
  ])('the topic plan: %s', (_name, breakIt, expected) => {
    const copy = clone(plan);
    breakIt(copy);
    expect(topicPlanProblems(copy).join('\n')).toContain(expected);
  });

  it('the generated files: the ACL table changed without regenerating the Kafka users', () => {
    const copy = clone(users);
    copy[0].groups = [...copy[0].groups, 'another'];
    const problems = staleGeneratedFiles(plan, copy, {
      createTopicsScript: script,
      strimziTopics: readRepoFile('deploy/k8s/base/kafka/topics.yaml'),
      strimziUsers: readRepoFile('deploy/k8s/base/kafka/users.yaml'),
    });
    expect(problems).toEqual(['deploy/k8s/base/kafka/users.yaml is out of date: run node -r @swc-node/register tools/deploy-check/src/generate.ts']);
  });

  it('the generated files: a plan changed without regenerating', () => {
    const copy = clone(plan);
    copy.topics[0].partitions += 1;
    const problems = staleGeneratedFiles(copy, users, {
      createTopicsScript: script,
      strimziTopics: readRepoFile('deploy/k8s/base/kafka/topics.yaml'),
      strimziUsers: readRepoFile('deploy/k8s/base/kafka/users.yaml'),
    });
    expect(problems.join('\n')).toContain('deploy/kafka/create-topics.sh is out of date');
    expect(problems.join('\n')).toContain('deploy/k8s/base/kafka/topics.yaml is out of date');
  });
});
