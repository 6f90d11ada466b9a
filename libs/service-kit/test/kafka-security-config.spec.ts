import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { kafkaSecurityConfig } from '@budget-erp/messaging';
import { baseServiceConfigSchema, kafkaSecurityOf, loadConfig, serviceConfigSchema } from '../src/config/load-config';
import { configErrorOf } from './support/config-error';
import { JsonLogger } from '../src/logging/json-logger';

const validEnv = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/budget',
  KAFKA_BROKERS: 'kafka-0:9093,kafka-1:9093',
  JWT_SECRET: 'dev-secret-change-me',
};
const canary = 'canary-Pa55word-7f3e9c';

describe('Kafka TLS and SASL settings in the platform config', () => {
  let directory: string;
  let caFile: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'service-kit-ca-'));
    caFile = path.join(directory, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  });

  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('when no Kafka security variable is set, the clients connect in plaintext without SASL (the dev broker)', () => {
    const config = loadConfig(baseServiceConfigSchema, validEnv);
    expect(config.KAFKA_SSL).toBeUndefined();
    expect(kafkaSecurityOf(config)).toEqual({});
    expect(kafkaSecurityConfig(kafkaSecurityOf(config))).toEqual({});
  });

  it('when KAFKA_SSL is false, the clients connect in plaintext', () => {
    const config = loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SSL: 'false' });
    expect(config.KAFKA_SSL).toBe(false);
    expect(kafkaSecurityConfig(kafkaSecurityOf(config))).toEqual({});
  });

  it('when TLS and SCRAM-SHA-512 are configured, the kafkajs options carry ssl and the SASL credentials', () => {
    const config = loadConfig(serviceConfigSchema(), {
      ...validEnv,
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'budget',
      KAFKA_SASL_PASSWORD: canary,
    });
    expect(kafkaSecurityConfig(kafkaSecurityOf(config))).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'budget', password: canary },
    });
  });

  it('when a CA bundle is given, TLS trusts its certificates', () => {
    const config = loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: caFile });
    expect(kafkaSecurityOf(config)).toEqual({ ssl: true, caFile });
    expect(kafkaSecurityConfig(kafkaSecurityOf(config))).toEqual({ ssl: { ca: [expect.stringContaining('BEGIN CERTIFICATE')] } });
  });

  it('when the CA bundle does not exist, names KAFKA_SSL_CA_FILE', () => {
    const error = configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: path.join(directory, 'missing.pem') }));
    expect(error.problems).toEqual([{ variable: 'KAFKA_SSL_CA_FILE', problem: expect.stringMatching(/^is invalid: no readable file at that path/) }]);
  });

  it('when a CA bundle is given with KAFKA_SSL=false, names KAFKA_SSL_CA_FILE', () => {
    const error = configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: caFile }));
    expect(error.problems).toEqual([{ variable: 'KAFKA_SSL_CA_FILE', problem: 'is set while KAFKA_SSL is false: a CA bundle is only used over TLS' }]);
  });

  it('when a mechanism is set without username and password, names both', () => {
    const error = configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SASL_MECHANISM: 'scram-sha-256' }));
    expect(error.problems.map((problem) => problem.variable)).toEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']);
    expect(error.message).toContain('KAFKA_SASL_PASSWORD: is missing: KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together');
  });

  it('when username and password are set without a mechanism, names KAFKA_SASL_MECHANISM with its choices', () => {
    const error = configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SASL_USERNAME: 'budget', KAFKA_SASL_PASSWORD: canary }));
    expect(error.problems).toEqual([
      { variable: 'KAFKA_SASL_MECHANISM', problem: expect.stringContaining('expected one of plain, scram-sha-256, scram-sha-512') },
    ]);
  });

  it('when the mechanism is unknown and other variables are bad too, one error names every one of them', () => {
    const error = configErrorOf(() =>
      loadConfig(baseServiceConfigSchema, { KAFKA_BROKERS: 'kafka:9093', KAFKA_SSL: 'maybe', KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'budget' }),
    );
    expect(error.problems.map((problem) => problem.variable).sort()).toEqual(
      ['DATABASE_URL', 'JWT_SECRET', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL'].sort(),
    );
    expect(error.message).toMatch(/KAFKA_SSL: is invalid: .*\(expected true or false: TLS to the Kafka brokers\)/);
    expect(error.message).toMatch(/KAFKA_SASL_MECHANISM: is invalid: .*\(expected one of plain, scram-sha-256, scram-sha-512\)/);
  });

  it('when the config is refused or logged, the SASL password appears in no error message and no log line', () => {
    const badEnvironments = [
      { ...validEnv, KAFKA_SASL_PASSWORD: canary },
      { ...validEnv, KAFKA_SASL_MECHANISM: 'kerberos', KAFKA_SASL_PASSWORD: canary },
      { ...validEnv, KAFKA_SASL_USERNAME: 'budget', KAFKA_SASL_PASSWORD: canary, KAFKA_SSL: canary },
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'budget', KAFKA_SASL_PASSWORD: canary, PORT: canary },
    ];
    const messages = badEnvironments.map((env) => configErrorOf(() => loadConfig(baseServiceConfigSchema, env)).message);
    expect(messages).toHaveLength(4);
    // Bad values are never echoed, even a password pasted into another variable.
    for (const message of messages) expect(message).not.toContain(canary);
    expect(messages[2]).toContain('KAFKA_SSL: is invalid');
    expect(messages[3]).toContain('PORT: is invalid');

    const config = loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'budget', KAFKA_SASL_PASSWORD: canary });
    const lines: string[] = [];
    const logger = new JsonLogger('budget', 'debug', (line) => lines.push(line));
    logger.log({ message: 'config', config }, 'Bootstrap');
    logger.debug({ message: 'kafka client', options: kafkaSecurityConfig(kafkaSecurityOf(config)) }, 'Kafka');
    logger.warn({ message: 'retrying', KAFKA_SASL_PASSWORD: canary, sasl: { password: canary } });
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain(canary);
    expect(JSON.parse(lines[0])).toMatchObject({ config: { KAFKA_SASL_USERNAME: 'budget', KAFKA_SASL_PASSWORD: '[redacted]', JWT_SECRET: '[redacted]' } });
  });
});
