import { HttpException } from '@nestjs/common';

import { DATABASE_RETRY_AFTER_S } from '../database/database-availability';
import { ApiError } from './api-error';
import { isDatabaseUnreachable } from './database-errors';

/** Maps anything thrown (framework exceptions, body-parser errors) to an ApiError. */
export function toApiError(exception: unknown): ApiError {
  if (exception instanceof ApiError) return exception;
  if (isDatabaseUnreachable(exception)) return ApiError.databaseUnavailable(DATABASE_RETRY_AFTER_S);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? exception.message);
    const code = status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : null;
    return new ApiError(status, message, code);
  }
  const bodyParserError = exception as { type?: string; status?: number; message?: string; limit?: number };
  switch (bodyParserError?.type) {
    case 'entity.parse.failed':
      return new ApiError(400, `We could not parse the JSON body of your request: ${bodyParserError.message}`, 'invalid_json');
    case 'entity.too.large':
      return new ApiError(413, `The request body is larger than the limit of ${bodyParserError.limit} bytes.`, 'request_too_large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, bodyParserError.message ?? 'Unsupported encoding.', 'unsupported_media_type');
    default:
      if (typeof bodyParserError?.status === 'number' && bodyParserError.status >= 400 && bodyParserError.status < 500) {
        return new ApiError(bodyParserError.status, bodyParserError.message ?? 'Bad request.');
      }
      return new ApiError(500, 'The server had an error while processing your request.', 'internal_error');
  }
}
