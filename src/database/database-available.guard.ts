import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

import { DatabaseAvailability } from './database-availability';

const DATABASE_OPTIONAL = 'database:optional';

/** A route that works without the database: always (`@DatabaseOptional()`), or for the requests `when` accepts. */
export const DatabaseOptional = (when: (req: Request) => boolean = () => true) => SetMetadata(DATABASE_OPTIONAL, when);

/** Refuses at once, with 503 and Retry-After, a request that needs the database while it cannot be reached. */
@Injectable()
export class DatabaseAvailableGuard implements CanActivate {
  constructor(
    private readonly availability: DatabaseAvailability,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.availability.isReachable || context.getType() !== 'http') return true;
    const optional = this.reflector.getAllAndOverride<((req: Request) => boolean) | undefined>(DATABASE_OPTIONAL, [context.getHandler(), context.getClass()]);
    if (optional?.(context.switchToHttp().getRequest<Request>())) return true;
    this.availability.assertReachable();
    return true;
  }
}
