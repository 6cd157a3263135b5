import { Logger } from '@nestjs/common';
import OpenAI from 'openai';

import { ApiError } from '../common/api-error';
import type { ErrorCode } from '../common/error-codes';

const logger = new Logger('ModelBackend');

/** URLs, IP addresses and host:port pairs: where the backend lives is the operator's business, not the client's. */
const ADDRESS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+|\[[0-9a-f:]+\](?::\d+)?|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b(?:localhost|[\w-]+(?:\.[\w-]+)+):\d{2,5}\b/gi;

/** An upstream's message as a client may read it: every address in it replaced. */
export function withoutAddresses(message: string): string {
  return message.replace(ADDRESS, '<backend>');
}

/**
 * The backend failed after the request was accepted, or could not be reached: the response ends `failed`
 * with this code, rather than the HTTP call failing.
 */
export class GenerationFailure extends Error {
  constructor(
    readonly code: 'server_error' | 'upstream_timeout' | 'upstream_unavailable',
    message: string,
  ) {
    super(message);
  }
}

/** Maps what the openai SDK throws to what our clients see: an HTTP error (ApiError) or a failed response. */
export function fromUpstreamError(error: unknown, model: string): ApiError | GenerationFailure {
  if (error instanceof ApiError || error instanceof GenerationFailure) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new GenerationFailure('upstream_timeout', 'The model backend did not answer in time.');
  }
  if (error instanceof OpenAI.APIConnectionError) {
    // Node's own words name the address ("connect ECONNREFUSED 10.0.0.7:8000"): for the log only.
    logger.warn(`the model backend for ${model} could not be reached: ${String((error.cause as Error | undefined)?.message ?? error.message)}`);
    return new GenerationFailure('upstream_unavailable', 'The model backend could not be reached.');
  }
  if (error instanceof OpenAI.APIError) {
    const upstreamMessage = withoutAddresses((error.error as { message?: string } | undefined)?.message ?? error.message);
    switch (error.status) {
      case 429: {
        const retryAfter = Number(error.headers?.get('retry-after'));
        return ApiError.tooManyRequests(
          `The model backend is rate limited: ${upstreamMessage}`,
          Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : 1,
        );
      }
      case 404:
        return ApiError.modelNotFound(model);
      case 400:
      case 413:
      case 422:
        // The backend's own code (context_length_exceeded…) is passed on as it is: the one code the catalogue does not list.
        return new ApiError(400, upstreamMessage, (error.code ?? 'invalid_request') as ErrorCode, error.param ?? null);
      case 401:
      case 403:
        return new ApiError(502, "The model backend rejected this server's credentials.", 'upstream_auth_error', null, 'server_error');
      default:
        return new GenerationFailure('server_error', `The model backend failed (${error.status ?? 'no status'}): ${upstreamMessage}`);
    }
  }
  if (error instanceof Error && error.name === 'AbortError') return new GenerationFailure('server_error', 'The generation was aborted.');
  logger.warn(`the model backend for ${model} failed: ${error instanceof Error ? error.message : String(error)}`);
  return new GenerationFailure('server_error', withoutAddresses(error instanceof Error ? error.message : String(error)));
}
