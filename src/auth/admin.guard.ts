import { timingSafeEqual } from 'node:crypto';

import type { ExecutionContext } from '@nestjs/common';
import { CanActivate, Injectable } from '@nestjs/common';
import type { Request } from 'express';

import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';

/** The paths of the admin API, which the tenants' keys do not open. */
export const ADMIN_PATH_PREFIX = '/admin/';

/** Whether a bearer token is the admin key, compared in constant time; never when there is no admin key. */
export function isAdminToken(adminKey: string | undefined, token: string): boolean {
  if (!adminKey) return false;
  const presented = Buffer.from(token);
  const key = Buffer.from(adminKey);
  return presented.length === key.length && timingSafeEqual(presented, key);
}

/** Throws unless `authorization` is `Bearer <ADMIN_API_KEY>` (403 when there is no admin key: the admin API is off). */
export function checkAdminKey(adminKey: string | undefined, authorization: string | undefined): void {
  if (!adminKey)
    throw new ApiError(403, 'The admin API is off on this server: set ADMIN_API_KEY to turn it on.', 'admin_api_disabled', null, 'invalid_request_error');
  if (!isAdminToken(adminKey, /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '')) {
    throw new ApiError(401, 'The admin API needs Authorization: Bearer <ADMIN_API_KEY>.', 'invalid_admin_key', null, 'authentication_error');
  }
}

/** The admin API: `Authorization: Bearer <ADMIN_API_KEY>`; without ADMIN_API_KEY it is off (403). */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    checkAdminKey(this.config.ADMIN_API_KEY, context.switchToHttp().getRequest<Request>().headers.authorization);
    return true;
  }
}
