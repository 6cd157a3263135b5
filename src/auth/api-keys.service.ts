import { createHash } from 'node:crypto';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { PgNotifications } from '../database/pg-notifications';
import { isAdminToken } from './admin.guard';
import { API_KEYS_CHANNEL, ApiKeysRepository } from './api-keys.repository';
import { type ApiKeyView, isKeyOf, managedKeyId, newManagedKey, secretOf, sha256Of, viewOf } from './managed-keys';
import { ANONYMOUS, bearerToken, type Caller, TenantKeys } from './tenant-keys';

/** How often each replica reads the keys' state, besides being told by NOTIFY. */
const REFRESH_EVERY_MS = 1000;
/** Keys checked once and remembered per replica (by the SHA-256 of the key): the rest are checked again. */
const REMEMBERED_KEYS = 10_000;

/**
 * Who a request's key belongs to: a key of API_KEYS, or a managed key (kept as a salted SHA-256 hash). Authentication
 * is on when API_KEYS is set or once a managed key has been made; off, every caller is the default tenant. Each
 * replica remembers the keys it has checked, and forgets a revoked one within a second (NOTIFY, with a poll every
 * second as the fallback).
 */
@Injectable()
export class ApiKeys implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeys.name);
  private readonly fixed: TenantKeys;
  private readonly adminKey?: string;
  private managed = false;
  private revoked = new Set<string>();
  private readonly verified = new Map<string, Caller>();
  private timer?: NodeJS.Timeout;
  private unlisten?: () => void;

  constructor(
    config: AppConfig,
    private readonly repository: ApiKeysRepository,
    private readonly notifications: PgNotifications,
  ) {
    this.fixed = new TenantKeys(config.API_KEYS);
    this.adminKey = config.ADMIN_API_KEY;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.unlisten = this.notifications.listen(API_KEYS_CHANNEL, () => void this.refresh());
    this.timer = setInterval(() => void this.refresh(), REFRESH_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.unlisten?.();
  }

  get enabled(): boolean {
    return this.fixed.enabled || this.managed;
  }

  /**
   * The caller behind an `Authorization` header; 401 for a missing, unknown or revoked key when authentication is on,
   * or for an `OpenAI-Project` header that names another tenant than the key's.
   */
  async callerOf(authorization: string | undefined, project?: string | string[]): Promise<Caller> {
    if (!this.enabled) return ANONYMOUS;
    const key = bearerToken(authorization);
    const caller = this.fixed.find(key) ?? (await this.managedCaller(key));
    if (!caller)
      throw new ApiError(401, key ? 'Incorrect API key provided.' : "You didn't provide an API key (Authorization: Bearer <key>).", 'invalid_api_key');
    if (typeof project === 'string' && project !== caller.tenant) {
      throw new ApiError(401, `This API key does not belong to the project '${project}' named by the OpenAI-Project header.`, 'invalid_project');
    }
    return caller;
  }

  /**
   * The line a request waits in when requests arrive in a burst (FairAdmission), from its credentials as this replica
   * already knows them (no lookup): its tenant's for a key it knows (two keys of a tenant share a line), the operator's
   * for the admin key, and one line for every other credential (unknown, not yet verified, or none), so that requests
   * with made-up keys wait behind one another and never crowd out the tenants'. With authentication off, the header
   * itself: it is all that tells callers apart.
   */
  admissionLine(authorization: string | undefined): string {
    if (!this.enabled) return `header ${authorization ?? ''}`;
    const key = bearerToken(authorization);
    if (isAdminToken(this.adminKey, key)) return 'admin';
    const caller = this.fixed.find(key) ?? this.rememberedCaller(key);
    return caller ? `tenant ${caller.tenant}` : 'unverified';
  }

  /** Makes a key for a tenant; the key is in the answer only. */
  async create(tenant: string, options: { name?: string; rpm?: number; tpm?: number } = {}): Promise<ApiKeyView> {
    const made = newManagedKey();
    const row = await this.repository.insert({
      id: made.id,
      tenantId: tenant,
      name: options.name ?? null,
      salt: made.salt,
      hash: made.hash,
      hashKind: made.hashKind,
      rpm: options.rpm ?? null,
      tpm: options.tpm ?? null,
    });
    this.managed = true;
    return { ...viewOf(row), key: made.key };
  }

  async list(tenant?: string): Promise<ApiKeyView[]> {
    return (await this.repository.list(tenant)).map(viewOf);
  }

  async revoke(id: string): Promise<ApiKeyView> {
    const row = await this.repository.revoke(id);
    if (!row) throw ApiError.notFound(`No API key with id '${id}'.`, 'id', 'api_key_not_found');
    this.forget([row.id]);
    return viewOf(row);
  }

  /** The caller behind a managed key this replica has verified and not seen revoked. */
  private rememberedCaller(key: string): Caller | undefined {
    const id = managedKeyId(key);
    if (!id || this.revoked.has(id)) return undefined;
    return this.verified.get(digestOf(key));
  }

  private async managedCaller(key: string): Promise<Caller | undefined> {
    const remembered = this.rememberedCaller(key);
    if (remembered) return remembered;
    const id = managedKeyId(key);
    if (!id) return undefined;
    const row = await this.repository.find(id);
    if (!row || row.revoked_at || !(await isKeyOf(key, row))) return undefined;
    if (row.hash_kind === 'scrypt') await this.repository.rehash(row.id, sha256Of(secretOf(key)!, row.salt)).catch(() => undefined);
    const caller: Caller = { tenant: row.tenant_id, keyId: row.id, ...(row.rpm ? { rpm: row.rpm } : {}), ...(row.tpm ? { tpm: row.tpm } : {}) };
    if (this.verified.size >= REMEMBERED_KEYS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(digestOf(key), caller);
    return caller;
  }

  private async refresh(): Promise<void> {
    try {
      const state = await this.repository.state();
      this.managed = state.total > 0;
      this.revoked = new Set(state.revoked);
      this.forget(state.revoked);
    } catch (error) {
      // The keys already checked go on working; new ones wait for the database.
      this.logger.warn(`could not read the API keys' state: ${String(error)}`);
    }
  }

  private forget(ids: string[]): void {
    const gone = new Set(ids);
    for (const id of gone) this.revoked.add(id);
    for (const [digest, caller] of this.verified) if (gone.has(caller.keyId!)) this.verified.delete(digest);
  }
}

/** How a verified key is remembered: never the key itself. */
function digestOf(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
