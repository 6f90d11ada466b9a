import { ConfigError, loadConfig } from '@budget-erp/service-kit';
import { erpConnectorConfigSchema } from '../src/config';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/erp',
  KAFKA_BROKERS: '127.0.0.1:9092',
  JWT_SECRET: 'a-secret-of-sufficient-length',
};
const KEY = Buffer.alloc(32, 7).toString('base64');
// Production also requires the token issuer and audience, and verification by JWKS (service-kit).
const production = { ...base, NODE_ENV: 'production', JWT_SECRET: undefined, JWKS_URL: 'https://id.example.com/jwks.json', JWT_ISSUER: 'https://id.example.com', JWT_AUDIENCE: 'budget-erp' };

describe('erp-connector configuration', () => {
  it('in production without ERP_CREDENTIALS_KEY, refuses to start and names the variable', () => {
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, NODE_ENV: 'production' })).toThrow(/ERP_CREDENTIALS_KEY.*NODE_ENV=production/);
  });

  it('in production with a 32-byte key, starts', () => {
    expect(loadConfig(erpConnectorConfigSchema, { ...production, ERP_CREDENTIALS_KEY: KEY }).ERP_CREDENTIALS_KEY).toBe(KEY);
  });

  it('in production with the development key once published in docker-compose, refuses it', () => {
    expect(() => loadConfig(erpConnectorConfigSchema, { ...production, ERP_CREDENTIALS_KEY: 'ZGV2LW9ubHktZXJwLWNyZWRlbnRpYWxzLWtleS0zMmI=' })).toThrow(/ERP_CREDENTIALS_KEY: is a development key published with the source/);
  });

  it('with previous keys for rotation, reads each; one of the wrong length is named', () => {
    const previous = Buffer.alloc(32, 8).toString('hex');
    expect(loadConfig(erpConnectorConfigSchema, { ...base, ERP_CREDENTIALS_KEY: KEY, ERP_CREDENTIALS_PREVIOUS_KEYS: `${previous}, ${KEY}` }).ERP_CREDENTIALS_PREVIOUS_KEYS).toEqual([previous, KEY]);
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, ERP_CREDENTIALS_KEY: KEY, ERP_CREDENTIALS_PREVIOUS_KEYS: `${previous},c2hvcnQ=` })).toThrow(/ERP_CREDENTIALS_PREVIOUS_KEYS/);
  });

  it('in development without a key, starts on the development key', () => {
    expect(loadConfig(erpConnectorConfigSchema, { ...base, NODE_ENV: 'development' }).ERP_CREDENTIALS_KEY).toBeUndefined();
  });

  it('with an export lease no longer than an attempt\'s worst-case ERP time (deadline × calls), refuses to start and names both figures', () => {
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, ERP_TIMEOUT_MS: '5000', EXPORT_LEASE_MS: '15000' })).toThrow(
      /EXPORT_LEASE_MS: .*must be longer than an export attempt's worst-case ERP time, ERP_TIMEOUT_MS × 3 calls = 15000 ms \(it is 15000 ms\)/,
    );
    expect(loadConfig(erpConnectorConfigSchema, { ...base, ERP_TIMEOUT_MS: '5000', EXPORT_LEASE_MS: '15001' }).EXPORT_LEASE_MS).toBe(15001);
  });

  it('by default, leases an export for longer than its worst-case ERP time', () => {
    const config = loadConfig(erpConnectorConfigSchema, base);
    expect(config.EXPORT_LEASE_MS).toBeGreaterThan(config.ERP_TIMEOUT_MS * 3);
  });

  it('with a key of the wrong length, refuses it in any environment', () => {
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, ERP_CREDENTIALS_KEY: 'c2hvcnQ=' })).toThrow(/ERP_CREDENTIALS_KEY/);
  });
});
