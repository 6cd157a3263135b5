import type { ErrorCode } from './error-codes';
import { MAX_JSON_DEPTH, MAX_OBJECT_KEYS, type ShapeProblem } from './json-shape';

/**
 * The most keys a whole body may hold: some 50,000 input items, far beyond any model's context, and the bound that
 * keeps the most costly body within every bound (V8 builds each key into a dictionary, every check walks it) to a
 * few hundred milliseconds of CPU.
 */
export const MAX_TOTAL_KEYS = 100_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const SPACE = 0x20;

interface Level {
  isObject: boolean;
  /** Keys (objects) or elements (arrays) begun so far. */
  count: number;
  /** Where the last key's text starts and ends in the buffer (objects), to name the path of a problem. */
  keyStart: number;
  keyEnd: number;
}

/**
 * Checks the nesting and the keys per object of a JSON body on its raw bytes, before JSON.parse builds anything: a
 * million keys in one object cost V8's parser most of a second and the heap a hundred megabytes before any check
 * could see them. One pass, no allocation per value; JSON's structural characters are ASCII, so UTF-8 needs no
 * decoding. Syntax is left to JSON.parse: on malformed input this may miss a problem, never invent one.
 */
export function checkJsonBounds(bytes: Uint8Array): ShapeProblem | undefined {
  const stack: Level[] = [];
  let totalKeys = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte <= SPACE) continue;
    const level = stack[stack.length - 1];
    switch (byte) {
      case QUOTE: {
        if (level && level.count === 0) level.count = 1;
        const end = closingQuote(bytes, i + 1);
        if (level?.isObject && isKeyPosition(bytes, i)) {
          level.keyStart = i + 1;
          level.keyEnd = end;
          if (++totalKeys > MAX_TOTAL_KEYS) return problem(bytes, [], `a request may hold at most ${MAX_TOTAL_KEYS} keys in all`, 'too_many_keys');
        }
        // The string's text holds nothing structural: skipped at once.
        i = end;
        break;
      }
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (level) level.count += level.count === 0 ? 1 : 0;
        if (stack.length >= MAX_JSON_DEPTH) return problem(bytes, stack, `it is nested more than ${MAX_JSON_DEPTH} levels deep`, 'nesting_too_deep');
        stack.push({ isObject: byte === OPEN_OBJECT, count: 0, keyStart: -1, keyEnd: -1 });
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        stack.pop();
        break;
      case COMMA:
        if (level) {
          level.count += 1;
          if (level.isObject && level.count > MAX_OBJECT_KEYS) {
            return problem(bytes, stack.slice(0, -1), `an object may have at most ${MAX_OBJECT_KEYS} keys`, 'too_many_keys');
          }
        }
        break;
      default:
        if (level && level.count === 0) level.count = 1;
    }
  }
  return undefined;
}

/** Whether the string opening at `at` is a key: the last structural character before it opens an object or is a comma. */
function isKeyPosition(bytes: Uint8Array, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const byte = bytes[i];
    if (byte <= SPACE) continue;
    return byte === OPEN_OBJECT || byte === COMMA;
  }
  return false;
}

/**
 * Where the string whose text starts at `from` ends: its first quote not escaped, that is, not after an odd run of
 * backslashes, found by the native search (a byte-by-byte loop cost some 60 ms for a 19 MB text, blocking every
 * other request meanwhile). The length of `bytes` when it is not closed (left to JSON.parse).
 */
function closingQuote(bytes: Uint8Array, from: number): number {
  for (let searchFrom = from; ;) {
    const quote = bytes.indexOf(QUOTE, searchFrom);
    if (quote < 0) return bytes.length;
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && bytes[quote - backslashes - 1] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    searchFrom = quote + 1;
  }
}

/** Segments of a path named in an error at most; a deeper one ends in `…`. */
const PATH_SEGMENTS = 16;

/**
 * The problem, with the path of where it was found: each level's current key (objects) or index (arrays) in turn,
 * e.g. `tools[0].parameters.properties`.
 */
function problem(bytes: Uint8Array, levels: Level[], reason: string, code: ErrorCode): ShapeProblem {
  let param = '';
  for (const level of levels.slice(0, PATH_SEGMENTS)) {
    if (level.isObject) {
      const key = decodeKey(bytes, level);
      param += param ? `.${key}` : key;
    } else {
      param += `[${Math.max(0, level.count - 1)}]`;
    }
  }
  if (levels.length > PATH_SEGMENTS) param += '…';
  return { param, message: `Invalid '${param || 'body'}': ${reason}.`, code };
}

function decodeKey(bytes: Uint8Array, level: Level): string {
  if (level.keyStart < 0) return '';
  try {
    return JSON.parse(`"${Buffer.from(bytes.subarray(level.keyStart, level.keyEnd)).toString('utf8')}"`) as string;
  } catch {
    return '?';
  }
}
