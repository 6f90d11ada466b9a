import { ConfigError, loadConfig } from '@budget-erp/service-kit';
import { erpConnectorConfigSchema } from '../src/config';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/erp',
  KAFKA_BROKERS: '127.0.0.1:9092',
  JWT_SECRET: 'a-secret-of-sufficient-length',
};
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('erp-connector configuration', () => {
  it('in production without ERP_CREDENTIALS_KEY, refuses to start and names the variable', () => {
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, NODE_ENV: 'production' })).toThrow(/ERP_CREDENTIALS_KEY.*NODE_ENV=production/);
  });

  it('in production with a 32-byte key, starts', () => {
    expect(loadConfig(erpConnectorConfigSchema, { ...base, NODE_ENV: 'production', ERP_CREDENTIALS_KEY: KEY }).ERP_CREDENTIALS_KEY).toBe(KEY);
  });

  it('in development without a key, starts on the development key', () => {
    expect(loadConfig(erpConnectorConfigSchema, { ...base, NODE_ENV: 'development' }).ERP_CREDENTIALS_KEY).toBeUndefined();
  });

  it('with a key of the wrong length, refuses it in any environment', () => {
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, ERP_CREDENTIALS_KEY: 'c2hvcnQ=' })).toThrow(/ERP_CREDENTIALS_KEY/);
  });
});
