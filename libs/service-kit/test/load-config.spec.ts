import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { baseServiceConfigSchema, loadConfig, port, serviceConfigSchema, url } from '../src/config/load-config';
import { configErrorOf } from './support/config-error';

const validEnv = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/budget',
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  JWT_SECRET: 'dev-secret-change-me',
};

describe('loadConfig', () => {
  it('when the environment is valid, parses ports, broker lists and defaults', () => {
    expect(loadConfig(serviceConfigSchema({ PORT: port(3001) }), validEnv)).toEqual({
      ...validEnv,
      PORT: 3001,
      KAFKA_BROKERS: ['127.0.0.1:9092', '127.0.0.1:9093'],
      LOG_LEVEL: 'info',
      KAFKA_SESSION_TIMEOUT_MS: 10_000,
      DATABASE_CONNECT_TIMEOUT_MS: 5000,
      JWT_ALLOW_HS256: false,
      HTTP_MAX_BODY_BYTES: 1_000_000,
      HTTP_MAX_STRING_LENGTH: 10_000,
    });
  });

  it('when DATABASE_CONNECT_TIMEOUT_MS is set it is used; below 100 or not a whole number, it is named', () => {
    expect(loadConfig(baseServiceConfigSchema, { ...validEnv, DATABASE_CONNECT_TIMEOUT_MS: '30000' }).DATABASE_CONNECT_TIMEOUT_MS).toBe(30_000);
    for (const bad of ['99', '1.5', 'soon']) {
      expect(() => loadConfig(baseServiceConfigSchema, { ...validEnv, DATABASE_CONNECT_TIMEOUT_MS: bad })).toThrow(/DATABASE_CONNECT_TIMEOUT_MS/);
    }
  });

  it('when KAFKA_SESSION_TIMEOUT_MS is set it is used; below 6000 (what brokers accept) or not a whole number, it is named', () => {
    expect(loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SESSION_TIMEOUT_MS: '45000' }).KAFKA_SESSION_TIMEOUT_MS).toBe(45_000);
    for (const bad of ['5999', '1.5', 'soon']) {
      const error = configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...validEnv, KAFKA_SESSION_TIMEOUT_MS: bad }));
      expect(error.problems.map((problem) => problem.variable)).toEqual(['KAFKA_SESSION_TIMEOUT_MS']);
    }
  });

  it('when several variables are missing or bad, one error names every one of them with what is expected', () => {
    const error = configErrorOf(() => loadConfig(baseServiceConfigSchema, { PORT: 'eighty', KAFKA_BROKERS: ' , ', LOG_LEVEL: 'loud' }));
    expect(error.problems.map((problem) => problem.variable)).toEqual(['PORT', 'DATABASE_URL', 'KAFKA_BROKERS', 'LOG_LEVEL', 'JWT_SECRET']);
    expect(error.message).toContain('Invalid configuration (5 problems)');
    expect(error.message).toMatch(/DATABASE_URL: is missing \(expected a postgres:\/\/ connection URL\)/);
    expect(error.message).toMatch(/PORT: .*expected a TCP port number/);
    expect(error.message).toMatch(/KAFKA_BROKERS: is invalid: must list at least one value/);
    expect(error.message).toMatch(/JWT_SECRET: .*JWKS_URL/);
  });

  it('when JWKS_URL is set instead of JWT_SECRET, accepts the config', () => {
    const { JWT_SECRET: _secret, ...withoutSecret } = validEnv;
    expect(loadConfig(baseServiceConfigSchema, { ...withoutSecret, JWKS_URL: 'https://id.example.com/.well-known/jwks.json' }).JWKS_URL).toBe(
      'https://id.example.com/.well-known/jwks.json',
    );
  });

  it('when a variable is set to an empty string, treats it as missing', () => {
    const error = configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...validEnv, DATABASE_URL: '  ' }));
    expect(error.problems).toEqual([{ variable: 'DATABASE_URL', problem: 'is missing (expected a postgres:// connection URL)' }]);
  });

  it('when a service adds its own variables, validates them together with the platform ones', () => {
    const schema = serviceConfigSchema({ ERP_SIMULATOR_URL: url(['http', 'https']), DAILY_SUMMARY_HOUR: z.coerce.number().int().min(0).max(23) });
    const error = configErrorOf(() => loadConfig(schema, { ...validEnv, ERP_SIMULATOR_URL: 'ftp://x', DAILY_SUMMARY_HOUR: '25' }));
    expect(error.problems.map((problem) => problem.variable)).toEqual(['ERP_SIMULATOR_URL', 'DAILY_SUMMARY_HOUR']);
    expect(error.message).not.toContain(validEnv.JWT_SECRET);
  });
});

describe('loadConfig in production (NODE_ENV=production)', () => {
  const jwks = 'https://id.example.com/.well-known/jwks.json';
  const production = { DATABASE_URL: validEnv.DATABASE_URL, KAFKA_BROKERS: validEnv.KAFKA_BROKERS, NODE_ENV: 'production', JWKS_URL: jwks, JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'budget-erp' };
  const problemsOf = (env: Record<string, string>) => configErrorOf(() => loadConfig(baseServiceConfigSchema, env)).problems;

  it('when tokens are verified against a JWKS URL with an issuer and an audience, accepts the config', () => {
    expect(loadConfig(baseServiceConfigSchema, production)).toMatchObject({ JWKS_URL: jwks, JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'budget-erp' });
  });

  it('when the issuer and the audience are missing, names both', () => {
    const { JWT_ISSUER: _issuer, JWT_AUDIENCE: _audience, ...env } = production;
    expect(problemsOf(env).map((problem) => problem.variable)).toEqual(['JWT_ISSUER', 'JWT_AUDIENCE']);
  });

  it('when only an HS256 secret verifies tokens, refuses it unless JWT_ALLOW_HS256=true', () => {
    const { JWKS_URL: _jwks, ...withoutJwks } = production;
    const secret = 'a-production-secret-of-32-characters';
    expect(problemsOf({ ...withoutJwks, JWT_SECRET: secret })).toEqual([
      { variable: 'JWT_SECRET', problem: 'is refused when NODE_ENV=production: set JWKS_URL, or JWT_ALLOW_HS256=true to accept HS256 tokens signed with this secret' },
    ]);
    expect(loadConfig(baseServiceConfigSchema, { ...withoutJwks, JWT_SECRET: secret, JWT_ALLOW_HS256: 'true' }).JWT_ALLOW_HS256).toBe(true);
  });

  it.each(['dev-secret-change-me', 'dev-only-secret-change-me-0123456789abcdef'])('when JWT_SECRET is the published development secret %s, refuses it even with JWT_ALLOW_HS256', (secret) => {
    const { JWKS_URL: _jwks, ...withoutJwks } = production;
    expect(problemsOf({ ...withoutJwks, JWT_SECRET: secret, JWT_ALLOW_HS256: 'true' })).toEqual([
      { variable: 'JWT_SECRET', problem: 'is a development secret published with the source; it is refused when NODE_ENV=production' },
    ]);
  });

  it('outside production, accepts the development secret without issuer or audience', () => {
    expect(loadConfig(baseServiceConfigSchema, { ...validEnv, NODE_ENV: 'development' }).JWT_SECRET).toBe('dev-secret-change-me');
  });
});

describe('loadConfig with <NAME>_FILE (mounted secrets)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-files-'));
  const file = (name: string, content: string) => {
    const where = path.join(dir, name);
    writeFileSync(where, content);
    return where;
  };
  const { JWT_SECRET: _secret, ...withoutSecret } = validEnv;

  it('when JWT_SECRET_FILE names a file, reads the secret from it without its trailing newline', () => {
    expect(loadConfig(baseServiceConfigSchema, { ...withoutSecret, JWT_SECRET_FILE: file('jwt-secret', 'generated-secret-0123456789abcdef\n') }).JWT_SECRET).toBe('generated-secret-0123456789abcdef');
  });

  it('when the file is missing or empty, or the variable is set as well, names the _FILE variable', () => {
    expect(configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...withoutSecret, JWT_SECRET_FILE: path.join(dir, 'absent') })).problems).toContainEqual({
      variable: 'JWT_SECRET_FILE',
      problem: 'names no readable file (JWT_SECRET is read from it)',
    });
    expect(configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...withoutSecret, JWT_SECRET_FILE: file('empty', '\n') })).problems).toContainEqual({
      variable: 'JWT_SECRET_FILE',
      problem: 'names an empty file (JWT_SECRET is read from it)',
    });
    expect(configErrorOf(() => loadConfig(baseServiceConfigSchema, { ...validEnv, JWT_SECRET_FILE: file('both', 'generated-secret-0123456789abcdef') })).problems).toEqual([
      { variable: 'JWT_SECRET_FILE', problem: 'is set together with JWT_SECRET: set one of them' },
    ]);
  });
});
