/**
 * A real OpenID Connect provider (`oidc-provider`, a certified implementation) for the console's
 * sign-in test, run as its own process: `node -r @swc-node/register oidc-issuer.ts`.
 * Users sign in on its own login page with any password; the login name picks the person.
 * Access tokens are RS256 JWTs for the platform's APIs, carrying the platform's claims.
 * Environment: OIDC_PORT, OIDC_REDIRECT_URI, OIDC_COMPANY_ID. Prints `ready <issuer>` once listening.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const API_AUDIENCE = 'budget-erp-api';
const CLIENT_ID = 'web-console';
/** The platform's APIs as a resource server (RFC 8707 needs an absolute URI). */
const API_RESOURCE = 'urn:budget-erp:api';

const port = Number(process.env.OIDC_PORT);
const redirectUri = process.env.OIDC_REDIRECT_URI!;
const companyId = process.env.OIDC_COMPANY_ID!;
const issuer = `http://127.0.0.1:${port}`;

const PEOPLE: Record<string, { name: string; perms: { budget: string; erpIntegrations: string }; privileges: string[] }> = {
  pat: { name: 'Pat Manager', perms: { budget: 'admin', erpIntegrations: 'none' }, privileges: [] },
  alex: { name: 'Alex Approver', perms: { budget: 'read_only', erpIntegrations: 'standard' }, privileges: ['can_push_to_accounting'] },
};

const person = (accountId: string) => PEOPLE[accountId] ?? { name: accountId, perms: { budget: 'none', erpIntegrations: 'none' }, privileges: [] };

const signingKey = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{ client_id: CLIENT_ID, token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(16).toString('hex')] },
  pkce: { required: () => true },
  clientBasedCORS: (_ctx, origin, client) => client.redirectUris!.some((uri) => new URL(uri).origin === origin),
  claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, name: person(sub).name, email: `${sub}@example.com` }),
  }),
  extraTokenClaims: (_ctx, token) => {
    const accountId = (token as { accountId?: string }).accountId;
    if (!accountId) return undefined;
    const p = person(accountId);
    return { companyId, name: p.name, email: `${accountId}@example.com`, perms: p.perms, privileges: p.privileges };
  },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => API_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'openid profile email', audience: API_AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } }),
    },
  },
});

provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
