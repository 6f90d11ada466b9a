import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey, SignJWT } from 'jose';
import { principalFromClaims, Principal, TokenClaims, tokenClaimsSchema } from './principal';

/** The secret `npm start` and `npm run token` share when JWT_SECRET is not set. Development only. */
export const DEV_JWT_SECRET = 'dev-secret-change-me';

/** Secrets published in this repository (the dev default, the old compose default): never valid in production. */
export const PUBLISHED_JWT_SECRETS: readonly string[] = [DEV_JWT_SECRET, 'dev-only-secret-change-me-0123456789abcdef'];

/** Algorithms a JWKS key may sign with: asymmetric only, so a public key can never be used as an HMAC secret. */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export interface TokenVerifierOptions {
  /** HS256 shared secret (development and tests). */
  secret?: string;
  /** JWKS endpoint (production). Takes precedence over `secret`. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; reason: string };

export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  // A token without an expiry would be valid forever once leaked.
  const verifyOptions = {
    requiredClaims: ['exp'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };
  let verifyJwt: (token: string) => Promise<JWTPayload>;
  if (options.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(options.jwksUrl));
    verifyJwt = async (token) => (await jwtVerify(token, jwks, { ...verifyOptions, algorithms: ASYMMETRIC_ALGORITHMS })).payload;
  } else if (options.secret) {
    const key = new TextEncoder().encode(options.secret);
    verifyJwt = async (token) => (await jwtVerify(token, key, { ...verifyOptions, algorithms: ['HS256'] })).payload;
  } else {
    throw new Error('Token verification needs a JWT secret or a JWKS URL');
  }
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        payload = await verifyJwt(token);
      } catch (error) {
        return { ok: false, reason: describeJoseError(error) };
      }
      return principalFromClaims(payload);
    },
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'Token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.reason === 'missing' ? `Token claim "${error.claim}" is missing` : `Token claim "${error.claim}" is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Token signing algorithm is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'Token signing key is unknown';
  if (error instanceof errors.JOSEError) return 'Token is invalid';
  throw error;
}

export interface SignDevTokenOptions {
  /** jose time span ("12h", "15m") or seconds; default 12h. */
  expiresIn?: string | number;
  issuer?: string;
  audience?: string;
}

/** Signs an HS256 token for development and tests. Claims are validated first. */
export async function signDevToken(
  claims: TokenClaims,
  secret: string = DEV_JWT_SECRET,
  options: SignDevTokenOptions = {},
): Promise<string> {
  const { sub, ...rest } = tokenClaimsSchema.parse(claims);
  const expiresIn = options.expiresIn ?? '12h';
  let jwt = new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(typeof expiresIn === 'number' ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
