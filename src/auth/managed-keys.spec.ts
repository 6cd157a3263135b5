import { randomBytes, scryptSync } from 'node:crypto';

import type { ApiKeyRow } from './api-keys.repository';
// jest.mock below is hoisted above these imports: the module sees the counting scrypt.
import { isKeyOf, newManagedKey } from './managed-keys';

/** Counts the scrypt hashes under way at once. */
const scrypts = { running: 0, most: 0 };
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return {
    ...actual,
    scrypt: (...args: unknown[]) => {
      const callback = args.pop() as (error: Error | null, hash?: Buffer) => void;
      scrypts.running += 1;
      scrypts.most = Math.max(scrypts.most, scrypts.running);
      (actual.scrypt as (...a: unknown[]) => void)(...args, (error: Error | null, hash?: Buffer) => {
        scrypts.running -= 1;
        callback(error, hash);
      });
    },
  };
});

const rowOf = (fields: Partial<ApiKeyRow>) =>
  ({ id: 'key_x', tenant_id: 't', name: null, rpm: null, tpm: null, created_at: new Date(), revoked_at: null, ...fields }) as ApiKeyRow;

describe('managed keys', () => {
  it('keeps a new key as SHA-256, which takes the key and no other', async () => {
    const made = newManagedKey();
    const row = rowOf({ salt: made.salt, hash: made.hash, hash_kind: made.hashKind });
    expect(made.hashKind).toBe('sha256');
    expect(await isKeyOf(made.key, row)).toBe(true);
    expect(
      await isKeyOf(
        made.key.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A')),
        row,
      ),
    ).toBe(false);
    expect(scrypts.most).toBe(0);
  });

  it('checks keys kept as scrypt one at a time: wrong secrets sent at once hold one thread of the pool, not all', async () => {
    const salt = randomBytes(16);
    const row = rowOf({ salt, hash: scryptSync('S'.repeat(43), salt, 32, { N: 16_384, r: 8, p: 1 }), hash_kind: 'scrypt' });
    const tries = ['S', 'T', 'U', 'V', 'W'].map((letter) => isKeyOf(`sk-rs-0000000000000000-${letter.repeat(43)}`, row));
    expect(await Promise.all(tries)).toEqual([true, false, false, false, false]);
    expect(scrypts.most).toBe(1);
  });
});
