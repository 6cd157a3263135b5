import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

import type { ApiKeyRow } from './api-keys.repository';

const scryptAsync = promisify(scrypt) as (secret: string, salt: Buffer, length: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

/** scrypt's cost (2^14, as OWASP suggests at least): some 50 ms a check, in the thread pool, once per key and replica. */
const SCRYPT = { N: 16_384, r: 8, p: 1 };
const HASH_BYTES = 32;
/** A managed key: `sk-rs-<16 hex of its id>-<43 base64url of secret>`. */
const MANAGED_KEY = /^sk-rs-([0-9a-f]{16})-([A-Za-z0-9_-]{43})$/;

/** A managed key as the admin API and the CLI show it; the key itself only when it is made. */
export interface ApiKeyView {
  id: string;
  object: 'api_key';
  tenant: string;
  name: string | null;
  rpm: number | null;
  tpm: number | null;
  created_at: number;
  revoked_at: number | null;
  key?: string;
}

/** A new key: what is shown once (`key`), and what is kept (its id, salt and hash). */
export async function newManagedKey(): Promise<{ id: string; key: string; salt: Buffer; hash: Buffer }> {
  const idPart = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  return { id: `key_${idPart}`, key: `sk-rs-${idPart}-${secret}`, salt, hash: await scryptAsync(secret, salt, HASH_BYTES, SCRYPT) };
}

/** The id of the managed key a bearer token would be, if it has a managed key's form. */
export function managedKeyId(key: string): string | undefined {
  const parts = MANAGED_KEY.exec(key);
  return parts ? `key_${parts[1]}` : undefined;
}

/** Whether a token is the key whose row this is (its secret hashes to the kept hash). */
export async function isKeyOf(key: string, row: ApiKeyRow): Promise<boolean> {
  const secret = MANAGED_KEY.exec(key)?.[2];
  if (!secret) return false;
  return timingSafeEqual(await scryptAsync(secret, row.salt, HASH_BYTES, SCRYPT), row.hash);
}

export function viewOf(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    object: 'api_key',
    tenant: row.tenant_id,
    name: row.name,
    rpm: row.rpm,
    tpm: row.tpm,
    created_at: Math.floor(new Date(row.created_at).getTime() / 1000),
    revoked_at: row.revoked_at ? Math.floor(new Date(row.revoked_at).getTime() / 1000) : null,
  };
}
