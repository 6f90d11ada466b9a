import { execFile } from 'node:child_process';
import { createHmac, createSign, generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';

// jose is ESM-only, so the library runs in a plain Node process; tokens are made here with node:crypto,
// independently of the code under test, and the JWKS is served over real HTTP.
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);
const secret = 'jwt-test-secret-0123456789';

const claims = {
  sub: 'u1',
  name: 'Pat PM',
  email: 'pat@example.com',
  companyId: 'c1',
  perms: { budget: 'admin', erpIntegrations: 'standard' },
  privileges: ['can_push_to_accounting'],
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function hs256(payload: Record<string, unknown>, key = secret): string {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(Object.fromEntries(Object.entries({ iat: now(), exp: now() + 600, ...payload }).filter(([, value]) => value !== undefined)))}`;
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

function rs256(payload: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(Object.fromEntries(Object.entries({ iat: now(), exp: now() + 600, ...payload }).filter(([, value]) => value !== undefined)))}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
}

async function verifyInChild(verifier: Record<string, unknown>, tokens: string[]): Promise<unknown[]> {
  const child = execFile(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'fixtures', 'verify-tokens.ts')], { cwd: repoRoot });
  const output = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
  });
  child.stdin!.end(JSON.stringify({ verifier, tokens }));
  return JSON.parse(await output) as unknown[];
}

const principal = {
  userId: 'u1',
  name: 'Pat PM',
  email: 'pat@example.com',
  companyId: 'c1',
  perms: { budget: 'admin', erpIntegrations: 'standard' },
  privileges: ['can_push_to_accounting'],
};

describe('token verification with the shared secret (development and tests)', () => {
  it('accepts a signed token and refuses expired, foreign, claim-less and malformed ones, each with its reason', async () => {
    const { companyId: _companyId, ...withoutCompany } = claims;
    const results = await verifyInChild({ secret, issuer: 'https://id.example.com' }, [
      hs256({ ...claims, iss: 'https://id.example.com' }),
      hs256({ ...claims, iss: 'https://id.example.com', exp: now() - 30 }),
      hs256({ ...claims, iss: 'https://id.example.com' }, 'another-secret-entirely'),
      hs256({ ...withoutCompany, iss: 'https://id.example.com' }),
      hs256({ ...claims, iss: 'https://elsewhere.example.com' }),
      'not-a-token',
      hs256({ ...claims, iss: 'https://id.example.com', exp: undefined }),
    ]);
    expect(results).toEqual([
      { ok: true, principal },
      { ok: false, reason: 'Token has expired' },
      { ok: false, reason: 'Token signature is invalid' },
      { ok: false, reason: 'Token claims are invalid: companyId' },
      { ok: false, reason: 'Token claim "iss" is invalid' },
      { ok: false, reason: 'Token is invalid' },
      { ok: false, reason: 'Token claim "exp" is missing' },
    ]);
  });

  it('when an audience and an issuer are configured, refuses a token without them or for another audience, naming the claim', async () => {
    const results = await verifyInChild({ secret, issuer: 'https://id.example.com', audience: 'budget-erp' }, [
      hs256({ ...claims, iss: 'https://id.example.com', aud: 'budget-erp' }),
      hs256({ ...claims, iss: 'https://id.example.com' }),
      hs256({ ...claims, iss: 'https://id.example.com', aud: 'another-app' }),
      hs256({ ...claims, aud: 'budget-erp' }),
    ]);
    expect(results).toEqual([
      { ok: true, principal },
      { ok: false, reason: 'Token claim "aud" is missing' },
      { ok: false, reason: 'Token claim "aud" is invalid' },
      { ok: false, reason: 'Token claim "iss" is missing' },
    ]);
  });
});

describe('token verification against a JWKS URL (production)', () => {
  let server: Server;
  let jwksUrl: string;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('accepts a token signed by a published key and refuses one signed by an unknown key or with the HS256 secret', async () => {
    const results = await verifyInChild({ jwksUrl }, [rs256(claims, privateKey, 'k1'), rs256(claims, stranger.privateKey, 'k1'), hs256(claims), rs256({ ...claims, exp: undefined }, privateKey, 'k1')]);
    expect(results[0]).toEqual({ ok: true, principal });
    expect(results[1]).toEqual({ ok: false, reason: 'Token signature is invalid' });
    expect(results[2]).toEqual({ ok: false, reason: 'Token signing algorithm is not allowed' });
    expect(results[3]).toEqual({ ok: false, reason: 'Token claim "exp" is missing' });
  });
});

describe('npm run token', () => {
  it('prints an HS256 token signed with JWT_SECRET carrying the requested claims', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-r', '@swc-node/register', 'libs/auth/src/cli/mint-token.ts', '--company', 'c1', '--user', 'u1', '--budget', 'admin', '--erp', 'standard',
        '--privilege', 'can_push_to_accounting', '--privilege', 'lock_budget', '--name', 'Pat PM', '--expires', '2h'],
      { cwd: repoRoot, env: { ...process.env, JWT_SECRET: secret } },
    );
    const [header, payload, signature] = stdout.trim().split('.');
    expect(createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(decoded).toMatchObject({
      sub: 'u1',
      name: 'Pat PM',
      email: 'u1@example.com',
      companyId: 'c1',
      perms: { budget: 'admin', erpIntegrations: 'standard' },
      privileges: ['can_push_to_accounting', 'lock_budget'],
    });
    expect(decoded.exp - decoded.iat).toBe(7200);
  });

  it('when a level is not one of the four, exits 2 naming the flag and the allowed values', async () => {
    await expect(
      run(process.execPath, ['-r', '@swc-node/register', 'libs/auth/src/cli/mint-token.ts', '--company', 'c1', '--user', 'u1', '--budget', 'owner'], { cwd: repoRoot }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--budget must be one of none, read_only, standard, admin') });
  });
});
