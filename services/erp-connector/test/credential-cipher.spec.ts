import { createCipheriv, randomBytes } from 'node:crypto';
import { CredentialCipher, CredentialsUnreadableError } from '../src/connections/infrastructure/credential-cipher';

const keyA = Buffer.alloc(32, 1).toString('base64');
const keyB = Buffer.alloc(32, 2).toString('hex');
const credentials = { username: 'integration', password: 'Pa55-canary' };
const reasonOf = (open: () => unknown) => {
  try {
    open();
  } catch (error) {
    if (error instanceof CredentialsUnreadableError) return error.reason;
    throw error;
  }
  throw new Error('expected the credentials to be unreadable');
};

describe('ERP credentials sealed at rest (AES-256-GCM bound to the company, with a key id)', () => {
  it('when sealed for a company, opens for that company and names the key that sealed it', () => {
    const cipher = new CredentialCipher(keyA);
    const sealed = cipher.encrypt(credentials, 'co-1');
    expect(sealed.split('.').slice(0, 2)).toEqual(['v2', cipher.keyId]);
    expect(sealed).not.toContain('Pa55');
    expect(cipher.decrypt(sealed, 'co-1')).toEqual(credentials);
  });

  it("when another company's row holds the value, refuses to open it (the company is authenticated data)", () => {
    const cipher = new CredentialCipher(keyA);
    expect(reasonOf(() => cipher.decrypt(cipher.encrypt(credentials, 'co-1'), 'co-2'))).toContain('sealed for another company, or altered');
  });

  it('when the key rotated, a value sealed with the previous key still opens through ERP_CREDENTIALS_PREVIOUS_KEYS, and new values use the new key', () => {
    const sealedWithA = new CredentialCipher(keyA).encrypt(credentials, 'co-1');
    const rotated = new CredentialCipher(keyB, [keyA]);
    expect(rotated.decrypt(sealedWithA, 'co-1')).toEqual(credentials);
    expect(rotated.encrypt(credentials, 'co-1').split('.')[1]).toBe(new CredentialCipher(keyB).keyId);
  });

  it('when the key that sealed a value is no longer configured, refuses it naming that key id', () => {
    const old = new CredentialCipher(keyA);
    expect(reasonOf(() => new CredentialCipher(keyB).decrypt(old.encrypt(credentials, 'co-1'), 'co-1'))).toContain(`sealed with key ${old.keyId}, which is not configured`);
  });

  it('when a sealed value was altered, refuses it', () => {
    const cipher = new CredentialCipher(keyA);
    const parts = cipher.encrypt(credentials, 'co-1').split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'co-1')).toThrow(CredentialsUnreadableError);
  });

  it('when a value was sealed in the former v1 format (no key id, not bound), still opens it with a configured key', () => {
    const iv = randomBytes(12);
    const v1 = createCipheriv('aes-256-gcm', Buffer.from(keyA, 'base64'), iv);
    const body = Buffer.concat([v1.update(JSON.stringify(credentials)), v1.final()]);
    const sealed = ['v1', iv.toString('base64url'), v1.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    expect(new CredentialCipher(keyB, [keyA]).decrypt(sealed, 'any-company')).toEqual(credentials);
  });
});
