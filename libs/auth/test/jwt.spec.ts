import { SignJWT } from 'jose';
import { createTokenVerifier, DEV_JWT_SECRET, signDevToken } from '../src/jwt';
import type { TokenClaims } from '../src/principal';

const claims: TokenClaims = {
  sub: 'u1',
  name: 'Pat PM',
  email: 'pat@example.com',
  companyId: 'c1',
  perms: { budget: 'admin', erpIntegrations: 'standard' },
  privileges: ['can_push_to_accounting'],
};

describe('token verification with a shared secret', () => {
  const verifier = createTokenVerifier({ secret: DEV_JWT_SECRET });

  it('when the token is signed with the secret, yields the principal from its claims', async () => {
    const result = await verifier.verify(await signDevToken(claims));
    expect(result).toEqual({
      ok: true,
      principal: { userId: 'u1', name: 'Pat PM', email: 'pat@example.com', companyId: 'c1', perms: claims.perms, privileges: ['can_push_to_accounting'] },
    });
  });

  it('when the token has expired, refuses it as expired', async () => {
    const result = await verifier.verify(await signDevToken(claims, DEV_JWT_SECRET, { expiresIn: -60 }));
    expect(result).toEqual({ ok: false, reason: 'Token has expired' });
  });

  it('when the token is signed with another secret, refuses its signature', async () => {
    const result = await verifier.verify(await signDevToken(claims, 'another-secret-of-some-length'));
    expect(result).toEqual({ ok: false, reason: 'Token signature is invalid' });
  });

  it('when the token lacks companyId, refuses its claims naming companyId', async () => {
    const token = await new SignJWT({ perms: claims.perms })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(DEV_JWT_SECRET));
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: 'Token claims are invalid: companyId' });
  });

  it('when the token is not a JWT at all, refuses it', async () => {
    expect(await verifier.verify('not-a-token')).toEqual({ ok: false, reason: 'Token is invalid' });
  });

  it('when an issuer is required and the token has another, refuses the iss claim', async () => {
    const strict = createTokenVerifier({ secret: DEV_JWT_SECRET, issuer: 'https://id.example.com' });
    const token = await signDevToken(claims, DEV_JWT_SECRET, { issuer: 'https://elsewhere.example.com' });
    expect(await strict.verify(token)).toEqual({ ok: false, reason: 'Token claim "iss" is invalid' });
  });
});
