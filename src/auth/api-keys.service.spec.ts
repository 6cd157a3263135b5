import { randomBytes, scryptSync } from 'node:crypto';

import { loadConfig } from '../config/app-config';
import type { PgNotifications } from '../database/pg-notifications';
import type { ApiKeyRow, ApiKeysRepository } from './api-keys.repository';
import { ApiKeys } from './api-keys.service';

/** The table of managed keys, in memory. */
function keysTable(): ApiKeysRepository {
  const rows = new Map<string, ApiKeyRow>();
  return {
    insert: async ({ id, tenantId, name, salt, hash, hashKind, rpm, tpm }: Parameters<ApiKeysRepository['insert']>[0]) => {
      const row = { id, tenant_id: tenantId, name, salt, hash, hash_kind: hashKind, rpm, tpm, created_at: new Date(), revoked_at: null } as ApiKeyRow;
      rows.set(id, row);
      return row;
    },
    rehash: async (id: string, hash: Buffer) => {
      const row = rows.get(id)!;
      if (row.hash_kind === 'scrypt') Object.assign(row, { hash, hash_kind: 'sha256' });
    },
    find: async (id: string) => rows.get(id),
    state: async () => ({ total: rows.size, revoked: [...rows.values()].filter((row) => row.revoked_at).map((row) => row.id) }),
    revoke: async (id: string) => {
      const row = rows.get(id);
      if (row) row.revoked_at = new Date();
      return row;
    },
  } as unknown as ApiKeysRepository;
}

const notifications = { listen: () => () => undefined } as unknown as PgNotifications;
const bearer = (key: string) => `Bearer ${key}`;

describe('ApiKeys.admissionLine', () => {
  const keys = new ApiKeys(
    loadConfig({ API_KEYS: 'key-a1=tenant-a,key-a2=tenant-a,key-b=tenant-b', ADMIN_API_KEY: 'admin-key-0123456789' }),
    keysTable(),
    notifications,
  );

  it("gives a tenant's keys one line, and each tenant its own", () => {
    expect(keys.admissionLine(bearer('key-a1'))).toBe(keys.admissionLine(bearer('key-a2')));
    expect(keys.admissionLine(bearer('key-a1'))).not.toBe(keys.admissionLine(bearer('key-b')));
  });

  it('puts every unknown key, and no key, in one line apart from the tenants’ and the operator’s', () => {
    const unknown = keys.admissionLine(bearer('made-up-1'));
    expect(keys.admissionLine(bearer('made-up-2'))).toBe(unknown);
    expect(keys.admissionLine(undefined)).toBe(unknown);
    expect([keys.admissionLine(bearer('key-a1')), keys.admissionLine(bearer('admin-key-0123456789'))]).not.toContain(unknown);
  });

  it("gives a managed key its tenant's line once verified here, and takes it back when it is revoked", async () => {
    const made = await keys.create('tenant-a');
    expect(keys.admissionLine(bearer(made.key!))).toBe(keys.admissionLine(bearer('made-up')));
    await keys.callerOf(bearer(made.key!));
    expect(keys.admissionLine(bearer(made.key!))).toBe(keys.admissionLine(bearer('key-a1')));
    await keys.revoke(made.id);
    expect(keys.admissionLine(bearer(made.key!))).toBe(keys.admissionLine(bearer('made-up')));
  });

  it('tells callers apart by their header when authentication is off', () => {
    const open = new ApiKeys(loadConfig({}), keysTable(), notifications);
    expect(open.admissionLine(bearer('one'))).not.toBe(open.admissionLine(bearer('two')));
    expect(open.admissionLine(bearer('one'))).toBe(open.admissionLine(bearer('one')));
  });
});

describe('ApiKeys with keys made before SHA-256', () => {
  it('takes a key kept as scrypt, and keeps it as SHA-256 from then on', async () => {
    const table = keysTable();
    const keys = new ApiKeys(loadConfig({}), table, notifications);
    const secret = 'S'.repeat(43);
    const salt = randomBytes(16);
    const legacy = await table.insert({
      id: 'key_00000000000000ab',
      tenantId: 'tenant-old',
      name: null,
      salt,
      hash: scryptSync(secret, salt, 32, { N: 16_384, r: 8, p: 1 }),
      hashKind: 'scrypt',
      rpm: null,
      tpm: null,
    });
    await keys.create('tenant-new');
    const key = `sk-rs-00000000000000ab-${secret}`;
    expect(await keys.callerOf(bearer(key))).toMatchObject({ tenant: 'tenant-old', keyId: legacy.id });
    expect(await table.find(legacy.id)).toMatchObject({ hash_kind: 'sha256' });
    // Another replica, which has not seen the key, takes it as SHA-256.
    const other = new ApiKeys(loadConfig({}), table, notifications);
    await other.onApplicationBootstrap();
    expect(await other.callerOf(bearer(key))).toMatchObject({ tenant: 'tenant-old' });
    await expect(other.callerOf(bearer(`sk-rs-00000000000000ab-${'T'.repeat(43)}`))).rejects.toMatchObject({ status: 401 });
    other.onApplicationShutdown();
  });
});
