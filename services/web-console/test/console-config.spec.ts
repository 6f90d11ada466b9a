import { DEV_JWT_SECRET } from '@budget-erp/auth';
import { ConsoleConfigError, loadConsoleConfig } from '../src/server/config';

const services = {
  BUDGET_URL: 'http://budget:3001',
  APPROVAL_URL: 'http://approval:3002',
  ERP_CONNECTOR_URL: 'http://erp-connector:3003',
  NOTIFICATION_URL: 'http://notification:3004',
};

describe('web console configuration', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['the development secret', { JWT_SECRET: DEV_JWT_SECRET }, true],
    ['another secret', { JWT_SECRET: 'production-like-secret' }, false],
    ['another secret with DEV_SIGN_IN=enabled (a local compose stack)', { JWT_SECRET: 'stack-secret', DEV_SIGN_IN: 'enabled' }, true],
    ['the development secret with DEV_SIGN_IN=disabled', { JWT_SECRET: DEV_JWT_SECRET, DEV_SIGN_IN: 'disabled' }, false],
    ['no secret at all, even with DEV_SIGN_IN=enabled', { DEV_SIGN_IN: 'enabled' }, false],
  ])('with %s, offers the dev sign-in: %s', (_case, env, offered) => {
    expect(loadConsoleConfig({ ...services, ...env }).devSignInSecret !== null).toBe(offered);
  });

  it('takes an empty variable as unset, so a compose file can leave the issuer empty', () => {
    expect(loadConsoleConfig({ ...services, OIDC_ISSUER: '', OIDC_CLIENT_ID: '' }).oidc).toBeNull();
  });

  it('when the issuer comes without its client id, refuses to start naming both', () => {
    expect(() => loadConsoleConfig({ ...services, OIDC_ISSUER: 'https://auth.example.com' })).toThrow(/OIDC_ISSUER and OIDC_CLIENT_ID go together/);
  });

  it('when the service URLs are missing or not http(s), refuses to start naming every one of them', () => {
    const error = (() => {
      try {
        loadConsoleConfig({ BUDGET_URL: 'ftp://budget', PORT: 'x' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('the configuration was accepted');
    })();
    expect(error).toBeInstanceOf(ConsoleConfigError);
    for (const name of ['PORT', 'BUDGET_URL', 'APPROVAL_URL', 'ERP_CONNECTOR_URL', 'NOTIFICATION_URL']) expect(error.message).toContain(name);
  });

  it('reads the OIDC settings with the default scope', () => {
    expect(loadConsoleConfig({ ...services, OIDC_ISSUER: 'https://auth.example.com', OIDC_CLIENT_ID: 'console' }).oidc).toEqual({
      issuer: 'https://auth.example.com',
      clientId: 'console',
      scope: 'openid profile email',
      resource: null,
    });
  });
});
