import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ApplicationError } from '@budget-erp/service-kit';

const DEV_KEY_SEED = 'budget-erp development credentials key';

/** The development key's base64 form, as the old docker-compose file carried it: never a production key. */
export const PUBLISHED_CREDENTIALS_KEYS: readonly string[] = ['ZGV2LW9ubHktZXJwLWNyZWRlbnRpYWxzLWtleS0zMmI='];

/**
 * Sealed credentials that no configured key opens for this company (a key no longer configured,
 * another company's value, or an altered one). Over HTTP a 409 telling to enter them again.
 */
export class CredentialsUnreadableError extends ApplicationError {
  constructor(readonly reason: string) {
    super('conflict', 'ERP.CREDENTIALS_UNREADABLE', `${reason}; enter the ERP credentials again (PUT /erp/connection)`);
    this.name = 'CredentialsUnreadableError';
  }
}

interface Key {
  id: string;
  bytes: Buffer;
}

function parseKey(text: string): Key {
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.length !== 32) throw new Error('an ERP credentials key must be 32 bytes');
  // A fingerprint, not the key: tells which key sealed a value without revealing it.
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
}

/** What binds a ciphertext to its company: GCM's additional data, authenticated but not stored. */
const boundTo = (companyId: string) => Buffer.from(`budget-erp:erp-credentials:v2:${companyId}`, 'utf8');

/**
 * AES-256-GCM for ERP credentials at rest: `v2.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 * The company id is the additional authenticated data, so a value copied to another company's row
 * does not open; the key id names the key that sealed it, so keys rotate: the current key seals,
 * the previous ones (ERP_CREDENTIALS_PREVIOUS_KEYS) still open what they sealed. `v1` values (no key
 * id, not bound) are still opened with any configured key and re-sealed as v2 at the next save.
 */
export class CredentialCipher {
  private readonly current: Key;
  private readonly keys: Key[];

  constructor(key: string | undefined, previousKeys: readonly string[] = []) {
    this.current = key ? parseKey(key) : { ...parseKey(createHash('sha256').update(DEV_KEY_SEED).digest('hex')) };
    this.keys = [this.current, ...previousKeys.map(parseKey)];
  }

  /** The id of the key that seals new values. */
  get keyId(): string {
    return this.current.id;
  }

  encrypt(credentials: Record<string, string>, companyId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv);
    cipher.setAAD(boundTo(companyId));
    const body = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
    return ['v2', this.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws `CredentialsUnreadableError` when no configured key opens the value for this company. */
  decrypt(sealed: string, companyId: string): Record<string, string> {
    const parts = sealed.split('.');
    if (parts[0] === 'v2' && parts.length === 5) {
      const [, keyId, iv, tag, body] = parts;
      const key = this.keys.find((candidate) => candidate.id === keyId);
      if (!key) throw new CredentialsUnreadableError(`The ERP credentials were sealed with key ${keyId}, which is not configured (ERP_CREDENTIALS_KEY, ERP_CREDENTIALS_PREVIOUS_KEYS)`);
      const opened = open(key, iv, tag, body, boundTo(companyId));
      if (!opened) throw new CredentialsUnreadableError(`The ERP credentials do not open with key ${keyId} for company ${companyId} (sealed for another company, or altered)`);
      return opened;
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      const [, iv, tag, body] = parts;
      for (const key of this.keys) {
        const opened = open(key, iv, tag, body);
        if (opened) return opened;
      }
      throw new CredentialsUnreadableError('The ERP credentials (v1) do not open with any configured key');
    }
    throw new CredentialsUnreadableError('The sealed ERP credentials are not in a known format');
  }
}

function open(key: Key, iv: string, tag: string, body: string, additionalData?: Buffer): Record<string, string> | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
    if (additionalData) decipher.setAAD(additionalData);
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')) as Record<string, string>;
  } catch {
    return null;
  }
}
