import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';

import type { Request, RequestHandler } from 'express';

import { ApiError } from '../common/api-error';
import { checkJsonBounds } from '../common/json-bounds';
import type { ClientBuffers, ClientHold, Refusal } from './client-buffers';
import { decompressZstd, tooLarge } from './zstd';

/** `application/json` and its structured-syntax kin (`application/vnd.api+json`): what is parsed as JSON. */
export const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/** What a refused client is told to wait: bodies arrive in milliseconds on a working network. */
const RETRY_AFTER_S = 1;

/** Decoders that run as the body arrives, in the thread pool. zstd is decompressed whole, after its frames are checked. */
const STREAM_DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

export interface JsonBodyOptions {
  /** BODY_LIMIT: the most a body may decompress to. */
  limitBytes: number;
  buffers: ClientBuffers;
  /** Whose share of `buffers` a request's body takes (its tenant, as ApiKeys.admissionLine names it). */
  callerOf(req: Request): string;
}

/**
 * Reads JSON bodies (identity, gzip, deflate, br or zstd) into `req.body`, as Express's parser did, with the bytes
 * each body holds until it is parsed taken from `buffers`: a body that does not fit is refused with 429 (its caller's
 * share) or 503 (the process's), and the rest of it is read and dropped, so that what stalled clients send cannot
 * pin the process's memory. The body limit applies to what a body decompresses to; nesting and keys are bounded on
 * the bytes before JSON.parse (see json-bounds.ts).
 */
export function jsonBodies(options: JsonBodyOptions): RequestHandler {
  return (req, _res, next) => {
    if (!declaresBody(req) || !JSON_CONTENT_TYPE.test(req.headers['content-type'] ?? '')) return next();
    const refusal = checkHeaders(req, options.limitBytes);
    if (refusal) return dropBody(req, () => next(refusal));
    const encoding = contentEncoding(req);
    const hold = options.buffers.holdFor(options.callerOf(req), 'body');
    readBody(req, encoding, options.limitBytes, hold, options.buffers.perCallerBytes)
      .then(parseJsonBody)
      .finally(() => hold.give())
      .then(
        (body) => {
          req.body = body;
          next();
        },
        (error: unknown) => dropBody(req, () => next(error)),
      );
  };
}

/** Parses a JSON body (strictly an object or an array, an empty one as `{}`), bounded on its bytes first. */
export function parseJsonBody(bytes: Buffer): unknown {
  // A UTF-8 byte order mark, which JSON.parse refuses.
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = start > 0 ? bytes.subarray(start) : bytes;
  if (body.length === 0) return {};
  const bounds = checkJsonBounds(body);
  if (bounds) throw ApiError.badRequest(bounds.message, bounds.param || null, bounds.code);
  const text = body.toString('utf8');
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw unparsable('the body must be a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw unparsable((error as Error).message);
  }
}

/** A body that found no room in the client buffers: 429 past its caller's share, 503 past the process's whole. */
export function bodyRefused(refusal: Refusal, shareBytes: number): ApiError {
  if (refusal === 'caller') {
    return ApiError.tooManyRequests(
      `Your request bodies still arriving (and answers not yet read) hold your share (${shareBytes} bytes) of what this server buffers; retry once they have arrived.`,
      RETRY_AFTER_S,
      'too_many_uploads',
    );
  }
  return new ApiError(
    503,
    'The server holds as many bytes for slow clients as it may (CLIENT_BUFFER_LIMIT); retry shortly.',
    'server_overloaded',
    null,
    'server_error',
    RETRY_AFTER_S,
  );
}

function unparsable(reason: string): ApiError {
  return new ApiError(400, `We could not parse the JSON body of your request: ${reason}`, 'invalid_json');
}

/**
 * Whether a request declares a body, as Express's parser judged it: a `Content-Length: 0` body is an empty one, parsed
 * as `{}` (server.ts's `hasBody`, which decides whether to authenticate or refuse a body first, counts it as none).
 */
function declaresBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length'] ?? NaN));
}

function contentEncoding(req: Request): string {
  return (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
}

/** What can be refused from the headers alone: a charset other than UTF-8, an unknown encoding, a declared size over the limit. */
function checkHeaders(req: Request, limitBytes: number): ApiError | undefined {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    return new ApiError(415, `Unsupported charset "${charset.toUpperCase()}": JSON bodies are UTF-8.`, 'unsupported_media_type');
  }
  const encoding = contentEncoding(req);
  if (encoding !== 'identity' && encoding !== 'zstd' && !STREAM_DECODERS[encoding]) {
    return new ApiError(415, `Unsupported content encoding "${encoding}": use gzip, deflate, br or zstd.`, 'unsupported_media_type');
  }
  if (encoding === 'identity' && Number(req.headers['content-length']) > limitBytes) return tooLarge(limitBytes, false);
  return undefined;
}

/**
 * The body's bytes, decoded, each chunk taken from `hold` as it arrives. Rejects with the first problem: too large, no
 * room in the buffers, not decodable, or the client gone.
 */
function readBody(req: Request, encoding: string, limitBytes: number, hold: ClientHold, shareBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const decoder = STREAM_DECODERS[encoding]?.();
    const source = decoder ?? req;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: ApiError) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      if (decoder) {
        req.unpipe(decoder);
        decoder.destroy();
      }
      reject(error);
    };
    source.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limitBytes) return fail(tooLarge(limitBytes, encoding !== 'identity'));
      const refused = hold.take(chunk.length);
      if (refused) return fail(bodyRefused(refused, shareBytes));
      chunks.push(chunk);
    });
    source.on('end', () => {
      if (settled) return;
      settled = true;
      const bytes = Buffer.concat(chunks, size);
      if (encoding !== 'zstd') return resolve(bytes);
      decompressZstd(bytes, limitBytes).then((decompressed) => {
        // The compressed bytes are let go for what they decompress to.
        const refused = hold.take(decompressed.length);
        if (refused) return reject(bodyRefused(refused, shareBytes));
        hold.give(bytes.length);
        resolve(decompressed);
      }, reject);
    });
    if (decoder) {
      decoder.on('error', () => fail(ApiError.badRequest(`The request body is not valid ${encoding}.`, null, 'invalid_encoding')));
      req.pipe(decoder);
    }
    req.on('error', () => fail(ApiError.badRequest('The request body could not be read.', null, 'invalid_request')));
    // The client went away before the whole body arrived.
    req.on('close', () => {
      if (!req.complete) fail(ApiError.clientClosedRequest());
    });
  });
}

/**
 * Reads what is left of a refused body without keeping it, then answers: the client reads its error once it has sent
 * the body, on a connection that can serve its next request. Keeping nothing, a client that stalls holds no memory.
 */
function dropBody(req: Request, answer: () => void): void {
  if (req.complete || req.destroyed) return answer();
  let answered = false;
  const once = () => {
    if (answered) return;
    answered = true;
    answer();
  };
  req.once('end', once).once('close', once);
  req.resume();
}
