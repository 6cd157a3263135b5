export const DEFAULT_TENANT = 'default';

/** Who calls: the tenant, the managed key it used (if any), and the limits its key has of its own (else the defaults apply). */
export interface Caller {
  tenant: string;
  keyId?: string;
  rpm?: number;
  tpm?: number;
}

export const ANONYMOUS: Caller = { tenant: DEFAULT_TENANT };

/** The token of an `Authorization: Bearer <token>` header (the scheme in any case, as RFC 7235 says), or ''. */
export function bearerToken(authorization: string | undefined): string {
  return /^bearer\s+(.+)$/i.exec(authorization ?? '')?.[1].trim() ?? '';
}

/** API_KEYS (`key=tenant[;rpm=N][;tpm=N],…`) as a lookup: the caller behind a key of the environment. */
export class TenantKeys {
  private readonly callersByKey?: Map<string, Caller>;

  constructor(apiKeys: string | undefined) {
    if (apiKeys) this.callersByKey = new Map(apiKeys.split(',').map(parseEntry));
  }

  get enabled(): boolean {
    return this.callersByKey !== undefined;
  }

  find(key: string): Caller | undefined {
    return this.callersByKey?.get(key);
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
