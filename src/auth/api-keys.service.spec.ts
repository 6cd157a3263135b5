import { loadConfig } from '../config/app-config';
import type { PgNotifications } from '../database/pg-notifications';
import type { ApiKeyRow, ApiKeysRepository } from './api-keys.repository';
import { ApiKeys } from './api-keys.service';

/** The table of managed keys, in memory. */
function keysTable(): ApiKeysRepository {
  const rows = new Map<string, ApiKeyRow>();
  return {
    insert: async ({ id, tenantId, name, salt, hash, rpm, tpm }: Parameters<ApiKeysRepository['insert']>[0]) => {
      const row = { id, tenant_id: tenantId, name, salt, hash, rpm, tpm, created_at: new Date(), revoked_at: null } as ApiKeyRow;
      rows.set(id, row);
      return row;
    },
    find: async (id: string) => rows.get(id),
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
