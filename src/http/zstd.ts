import * as zlib from 'node:zlib';

import { Decompress } from 'fzstd';

import { ApiError } from '../common/api-error';

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** The window every zstd decoder is expected to support (RFC 8878): encoders use it whatever the input's size. */
const COMMON_WINDOW = 8 * 1024 * 1024;

/** Node's own zstd (22.15 and later): it decompresses in the thread pool, off the event loop. */
const nativeZstd = (
  zlib as { zstdDecompress?: (data: Buffer, options: { maxOutputLength: number }, done: (error: Error | null, result: Buffer) => void) => void }
).zstdDecompress;

/**
 * A zstd body (`Content-Encoding: zstd`, as Codex CLI may send it), decompressed under the same rules as gzip,
 * deflate and br bodies: the body limit applies to what it decompresses to. Every frame header is checked first,
 * since a decompressor allocates what a frame declares (a 20-byte frame may declare 2 GB). Then Node's own zstd
 * decompresses it off the event loop, or, on Node 20, whose zlib has none, fzstd (pure JavaScript) on it: some 70 ms
 * for 10 MB of varied JSON.
 */
export async function decompressZstd(compressed: Buffer, limitBytes: number): Promise<Buffer> {
  try {
    return await decompress(compressed, limitBytes);
  } catch (error) {
    throw error instanceof ApiError ? error : ApiError.badRequest('The request body is not valid zstd.', null, 'invalid_encoding');
  }
}

async function decompress(compressed: Buffer, limitBytes: number): Promise<Buffer> {
  const problem = checkFrames(compressed, limitBytes);
  if (problem) throw ApiError.badRequest(`The request body is not valid zstd: ${problem}.`, null, 'invalid_encoding');
  if (nativeZstd) {
    return new Promise((resolve, reject) =>
      nativeZstd(compressed, { maxOutputLength: limitBytes }, (error, result) => {
        if (!error) return resolve(result);
        reject((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge(limitBytes) : error);
      }),
    );
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  const stream = new Decompress((data) => {
    size += data.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    parts.push(data);
  });
  stream.push(compressed, true);
  return Buffer.concat(parts);
}

export function tooLarge(limitBytes: number, decompressed = true): ApiError {
  const what = `The request body is larger than the limit of ${limitBytes} bytes`;
  return new ApiError(413, decompressed ? `${what} (after decompression).` : `${what}.`, 'request_too_large');
}

/**
 * Walks every frame and block header (RFC 8878) without decompressing: what the decompressor will allocate for a
 * frame (its declared content size, or else its window) must fit the body limit, or the common 8 MB window.
 * Answers the problem, or undefined.
 */
function checkFrames(bytes: Buffer, limitBytes: number): string | undefined {
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) return 'a truncated frame';
    const magic = bytes.readUInt32LE(at);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (at + 8 > bytes.length) return 'a truncated skippable frame';
      at += 8 + bytes.readUInt32LE(at + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) return 'not a zstd frame';
    const descriptor = bytes[at + 4];
    if (descriptor === undefined) return 'a truncated frame header';
    const contentSizeFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    const hasChecksum = (descriptor >> 2) & 1;
    const dictionaryIdSize = [0, 1, 2, 4][descriptor & 3];
    at += 5;
    let windowSize = 0;
    if (!singleSegment) {
      const window = bytes[at++];
      const base = 2 ** (10 + (window >> 3));
      windowSize = base + (base / 8) * (window & 7);
    }
    at += dictionaryIdSize;
    const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag];
    if (at + contentSizeBytes > bytes.length) return 'a truncated frame header';
    let contentSize = 0;
    if (contentSizeBytes === 1) contentSize = bytes[at];
    else if (contentSizeBytes === 2) contentSize = bytes.readUInt16LE(at) + 256;
    else if (contentSizeBytes === 4) contentSize = bytes.readUInt32LE(at);
    else if (contentSizeBytes === 8) contentSize = Number(bytes.readBigUInt64LE(at));
    at += contentSizeBytes;
    if (contentSizeBytes > 0 ? contentSize > limitBytes : windowSize > Math.max(limitBytes, COMMON_WINDOW)) {
      return `a frame declares more than the body limit of ${limitBytes} bytes`;
    }
    for (let last = 0; !last;) {
      if (at + 3 > bytes.length) return 'a truncated block';
      const header = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >> 3;
      if (type === 3) return 'a reserved block type';
      at += 3 + (type === 1 ? 1 : size);
    }
    at += hasChecksum ? 4 : 0;
  }
  return at === bytes.length ? undefined : 'a truncated frame';
}
