import { ERP_SYSTEMS } from '@budget-erp/contracts';
import { loadConfig } from '@budget-erp/service-kit';
import { adapterFor, erpAdapters } from '../src/erp-adapters/erp-adapter.registry';
import { erpConnectorConfigSchema } from '../src/config';

describe('the adapter registry against the platform\'s ERP list', () => {
  it.each(ERP_SYSTEMS.map((system) => [system.id, system.name] as const))('%s has an adapter that names itself %s', (id, name) => {
    expect(adapterFor(id).system).toBe(id);
    expect(adapterFor(id).displayName).toBe(name);
  });

  it('holds no adapter for an ERP the platform does not list', () => {
    expect(Object.keys(erpAdapters).sort()).toEqual(ERP_SYSTEMS.map((system) => system.id).sort());
  });

  it('runs the workers of every listed ERP unless ERP_SYSTEMS says otherwise, and refuses an ERP it does not list', () => {
    const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/erp', KAFKA_BROKERS: '127.0.0.1:9092', JWT_SECRET: 'a-secret-of-sufficient-length' };
    expect(loadConfig(erpConnectorConfigSchema, base).ERP_SYSTEMS).toEqual(ERP_SYSTEMS.map((system) => system.id));
    expect(() => loadConfig(erpConnectorConfigSchema, { ...base, ERP_SYSTEMS: 'cmic,sap' })).toThrow(/ERP_SYSTEMS/);
  });
});
