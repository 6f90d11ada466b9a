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
    });
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
