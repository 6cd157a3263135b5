import { ApiError } from '../common/api-error';

export const DEFAULT_TENANT = 'default';

/**
 * API_KEYS (`key=tenant,…`) as a lookup: the tenant of an `Authorization: Bearer <key>` header. Without API_KEYS
 * authentication is off and every caller is the default tenant.
 */
export class TenantKeys {
  private readonly tenantsByKey?: Map<string, string>;

  constructor(apiKeys: string | undefined) {
    if (apiKeys) this.tenantsByKey = new Map(apiKeys.split(',').map((pair) => pair.split('=') as [string, string]));
  }

  get enabled(): boolean {
    return this.tenantsByKey !== undefined;
  }

  /** The caller's tenant; 401 for a missing or unknown key when authentication is on. */
  tenantOf(authorization: string | undefined): string {
    if (!this.tenantsByKey) return DEFAULT_TENANT;
    // The scheme is case-insensitive (RFC 7235): `bearer` and `BEARER` are Bearer too.
    const key = /^bearer\s+(.+)$/i.exec(authorization ?? '')?.[1].trim() ?? '';
    const tenant = this.tenantsByKey.get(key);
    if (!tenant) {
      throw new ApiError(401, key ? 'Incorrect API key provided.' : "You didn't provide an API key (Authorization: Bearer <key>).", 'invalid_api_key');
    }
    return tenant;
  }
}
