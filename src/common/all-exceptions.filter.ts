import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';

import { DatabaseAvailability } from '../database/database-availability';
import { ApiError } from './api-error';
import { errorForLog } from './log-redaction';
import { toApiError } from './to-api-error';

/** Turns every error, ours or the framework's, into an OpenAI-shaped body; unknown errors become a 500 without internals. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly database: DatabaseAvailability) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    this.database.observe(exception);
    const res = host.switchToHttp().getResponse<Response>();
    const error = toApiError(exception);
    // Our own 5xx answers (503 database_unavailable, 502 upstream_auth_error) say all there is; anything else is a bug.
    if (error.status >= 500 && !(exception instanceof ApiError)) this.logger.error(errorForLog(exception));
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter));
    res.status(error.status).json(error.toBody());
  }
}
