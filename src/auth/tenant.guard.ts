import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

import { ApiKeys } from './api-keys.service';
import { type Caller, DEFAULT_TENANT } from './tenant-keys';

const PUBLIC = 'auth:public';
/** Routes anyone may call (health, metrics). */
export const Public = () => SetMetadata(PUBLIC, true);

type TenantRequest = Request & { caller?: Caller };

/**
 * Resolves the caller's tenant from `Authorization: Bearer <key>` (see ApiKeys). With authentication off every caller
 * is the default tenant. Tenants never see each other's objects.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    if (this.keys.enabled && this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    request.caller = await this.keys.callerOf(request.headers.authorization, request.headers['openai-project']);
    return true;
  }
}

/** The caller the TenantGuard resolved for a request. */
export function callerOf(request: Request): Caller {
  return (request as TenantRequest).caller ?? { tenant: DEFAULT_TENANT };
}

/** The managed API key of this request's caller, if it used one (its usage counts to it). */
export const KeyId = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | undefined => callerOf(context.switchToHttp().getRequest<Request>()).keyId,
);

/** The tenant the TenantGuard resolved for this request. */
export const Tenant = createParamDecorator((_: unknown, context: ExecutionContext): string => callerOf(context.switchToHttp().getRequest<Request>()).tenant);
