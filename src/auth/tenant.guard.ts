import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { type Caller, DEFAULT_TENANT, TenantKeys } from './tenant-keys';

const PUBLIC = 'auth:public';
/** Routes anyone may call (health, metrics). */
export const Public = () => SetMetadata(PUBLIC, true);

type TenantRequest = Request & { caller?: Caller };

/**
 * Resolves the caller's tenant from `Authorization: Bearer <key>` using API_KEYS. Without API_KEYS authentication
 * is off and every caller is the default tenant. Tenants never see each other's objects.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  private readonly keys: TenantKeys;

  constructor(config: AppConfig, private readonly reflector: Reflector) {
    this.keys = new TenantKeys(config.API_KEYS);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    if (this.keys.enabled && this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    request.caller = this.keys.callerOf(request.headers.authorization);
    return true;
  }
}

/** The caller the TenantGuard resolved for a request. */
export function callerOf(request: Request): Caller {
  return (request as TenantRequest).caller ?? { tenant: DEFAULT_TENANT };
}

/** The tenant the TenantGuard resolved for this request. */
export const Tenant = createParamDecorator((_: unknown, context: ExecutionContext): string => callerOf(context.switchToHttp().getRequest<Request>()).tenant);
