import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

import type { ApiKeyRow, HashKind } from './api-keys.repository';

const scryptAsync = promisify(scrypt) as (secret: string, salt: Buffer, length: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

/** The cost of the scrypt hashes of the keys made before `sha256` (2^14): some 50 ms a check, in the thread pool. */
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

/**
 * How a key's secret is kept: the SHA-256 of its salt and secret. A secret is 32 random bytes: no guess at it can
 * succeed however fast a hash is to try, so a slow hash (a password's) buys nothing, and would let anyone who knows a
 * key's id make the server spend 50 ms of a thread-pool thread per request with a wrong secret. Keys made before
 * keep their scrypt hash until they are first used (then their hash is made again as SHA-256).
 */
export function sha256Of(secret: string, salt: Buffer): Buffer {
  return createHash('sha256').update(salt).update(secret).digest();
}

/** A new key: what is shown once (`key`), and what is kept (its id, salt and hash). */
export function newManagedKey(): { id: string; key: string; salt: Buffer; hash: Buffer; hashKind: HashKind } {
  const idPart = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  return { id: `key_${idPart}`, key: `sk-rs-${idPart}-${secret}`, salt, hash: sha256Of(secret, salt), hashKind: 'sha256' };
}

/** The id of the managed key a bearer token would be, if it has a managed key's form. */
export function managedKeyId(key: string): string | undefined {
  const parts = MANAGED_KEY.exec(key);
  return parts ? `key_${parts[1]}` : undefined;
}

/** The key's secret, if it has a managed key's form. */
export function secretOf(key: string): string | undefined {
  return MANAGED_KEY.exec(key)?.[2];
}

/** scrypt checks wait for one another: those with wrong secrets hold one thread of the pool at most, not all four. */
let scryptChecks: Promise<unknown> = Promise.resolve();

/** Whether a token is the key whose row this is (its secret hashes to the kept hash). */
export async function isKeyOf(key: string, row: ApiKeyRow): Promise<boolean> {
  const secret = secretOf(key);
  if (!secret) return false;
  if (row.hash_kind === 'sha256') return timingSafeEqual(sha256Of(secret, row.salt), row.hash);
  const check = scryptChecks.then(() => scryptAsync(secret, row.salt, HASH_BYTES, SCRYPT));
  scryptChecks = check.catch(() => undefined);
  return timingSafeEqual(await check, row.hash);
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
