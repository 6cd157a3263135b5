import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';

const PUBLIC = 'auth:public';
/** Routes anyone may call (health, metrics). */
export const Public = () => SetMetadata(PUBLIC, true);

export const DEFAULT_TENANT = 'default';

type TenantRequest = Request & { tenantId?: string };

/**
 * Resolves the caller's tenant from `Authorization: Bearer <key>` using API_KEYS. Without API_KEYS authentication
 * is off and every caller is the default tenant. Tenants never see each other's objects.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  private readonly tenantsByKey?: Map<string, string>;

  constructor(config: AppConfig, private readonly reflector: Reflector) {
    if (config.API_KEYS) {
      this.tenantsByKey = new Map(config.API_KEYS.split(',').map((pair) => pair.split('=') as [string, string]));
    }
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    if (!this.tenantsByKey) {
      request.tenantId = DEFAULT_TENANT;
      return true;
    }
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const header = request.headers.authorization ?? '';
    const key = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const tenant = this.tenantsByKey.get(key);
    if (!tenant) {
      throw new ApiError(401, key ? 'Incorrect API key provided.' : 'You didn\'t provide an API key (Authorization: Bearer <key>).', 'invalid_api_key');
    }
    request.tenantId = tenant;
    return true;
  }
}

/** The tenant the TenantGuard resolved for this request. */
export const Tenant = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  return context.switchToHttp().getRequest<TenantRequest>().tenantId ?? DEFAULT_TENANT;
});
