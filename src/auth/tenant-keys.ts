import { ApiError } from '../common/api-error';

export const DEFAULT_TENANT = 'default';

/** Who calls: the tenant, and the limits its key has of its own (else the defaults apply). */
export interface Caller {
  tenant: string;
  rpm?: number;
  tpm?: number;
}

const ANONYMOUS: Caller = { tenant: DEFAULT_TENANT };

/**
 * API_KEYS (`key=tenant[;rpm=N][;tpm=N],…`) as a lookup: the caller behind an `Authorization: Bearer <key>` header.
 * Without API_KEYS authentication is off and every caller is the default tenant.
 */
export class TenantKeys {
  private readonly callersByKey?: Map<string, Caller>;

  constructor(apiKeys: string | undefined) {
    if (apiKeys) this.callersByKey = new Map(apiKeys.split(',').map(parseEntry));
  }

  get enabled(): boolean {
    return this.callersByKey !== undefined;
  }

  /** The caller's tenant; 401 for a missing or unknown key when authentication is on. */
  tenantOf(authorization: string | undefined): string {
    return this.callerOf(authorization).tenant;
  }

  /** The caller; 401 for a missing or unknown key when authentication is on. */
  callerOf(authorization: string | undefined): Caller {
    if (!this.callersByKey) return ANONYMOUS;
    // The scheme is case-insensitive (RFC 7235): `bearer` and `BEARER` are Bearer too.
    const key = /^bearer\s+(.+)$/i.exec(authorization ?? '')?.[1].trim() ?? '';
    const caller = this.callersByKey.get(key);
    if (!caller) {
      throw new ApiError(401, key ? 'Incorrect API key provided.' : "You didn't provide an API key (Authorization: Bearer <key>).", 'invalid_api_key');
    }
    return caller;
  }
}

function parseEntry(entry: string): [string, Caller] {
  const [pair, ...options] = entry.split(';');
  const [key, tenant] = pair.split('=');
  const caller: Caller = { tenant };
  for (const option of options) {
    const [name, value] = option.split('=');
    if (name === 'rpm' || name === 'tpm') caller[name] = Number(value);
  }
  return [key, caller];
}
