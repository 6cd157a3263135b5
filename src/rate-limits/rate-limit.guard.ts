import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';

import { callerOf } from '../auth/tenant.guard';
import { RateLimiter } from './rate-limiter';

const RATE_LIMITED = 'rate-limits:limited';

/** A route whose requests count against the caller's requests per minute (those that call a model). */
export const RateLimited = () => SetMetadata(RATE_LIMITED, true);

/** Admits or refuses (429 with Retry-After) a rate-limited request; its answer carries OpenAI's x-ratelimit-* headers. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.reflector.getAllAndOverride<boolean>(RATE_LIMITED, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const caller = callerOf(http.getRequest<Request>());
    const admission = this.limiter.admit(caller.tenant, this.limiter.limitsFor(caller));
    http.getResponse<Response>().set(admission.headers);
    if (admission.refused) throw admission.refused;
    return true;
  }
}
