import { HttpStatus } from '@nestjs/common';

import type { ErrorCode } from './error-codes';

export type ErrorType = 'invalid_request_error' | 'authentication_error' | 'rate_limit_error' | 'server_error';

/** The body every error response carries, exactly as OpenAI shapes it. */
export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

/**
 * An error a client is meant to see: status, OpenAI error type, param and code.
 * Thrown anywhere; the global exception filter turns it into the response.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: ErrorCode | null = null,
    readonly param: string | null = null,
    readonly type: ErrorType = defaultType(status),
    /** Seconds a client should wait before retrying (429 / 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  static badRequest(message: string, param: string | null = null, code: ErrorCode | null = 'invalid_value'): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, message, code, param);
  }

  static notFound(message: string, param: string | null = null, code: ErrorCode | null = null): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, message, code, param);
  }

  static conflict(message: string, code: ErrorCode, param: string | null = null): ApiError {
    return new ApiError(HttpStatus.CONFLICT, message, code, param);
  }

  static tooManyRequests(message: string, retryAfter: number, code: ErrorCode = 'rate_limit_exceeded'): ApiError {
    return new ApiError(HttpStatus.TOO_MANY_REQUESTS, message, code, null, 'rate_limit_error', retryAfter);
  }

  /** The client went away before its answer (nginx's 499): nobody reads this one, but it ends the request quietly. */
  static clientClosedRequest(): ApiError {
    return new ApiError(499, 'The client closed the connection before the response was ready.', 'client_closed_request');
  }

  /** The database cannot be reached: nothing was done, and the same request succeeds once it is back. */
  static databaseUnavailable(retryAfter: number): ApiError {
    return new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      'The service is temporarily unable to store or read responses; retry shortly.',
      'database_unavailable',
      null,
      'server_error',
      retryAfter,
    );
  }

  static modelNotFound(model: string): ApiError {
    return ApiError.notFound(`The model '${model}' does not exist or you do not have access to it.`, 'model', 'model_not_found');
  }

  /**
   * A conversation the tenant does not have. `param` names what the client sent, as for every error: a response's
   * `conversation` field, or the path's `conversation_id` (as `response_id` for responses).
   */
  static conversationNotFound(id: string, param: 'conversation' | 'conversation_id'): ApiError {
    return ApiError.notFound(`Conversation with id '${id}' not found.`, param, 'conversation_not_found');
  }

  static responseNotFound(id: string): ApiError {
    return ApiError.notFound(`No response found with id '${id}'.`, 'response_id', 'response_not_found');
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function defaultType(status: number): ErrorType {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
