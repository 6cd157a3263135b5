import type { Json } from './openai/types';

/**
 * Text as Postgres can store it and every client can parse it: U+0000 and unpaired UTF-16 surrogates become U+FFFD
 * (the replacement character). Applied to what a model produces, before it is streamed or stored, so that the two
 * always agree; input that holds such text is refused instead (see json-shape.ts).
 */
export function storableText(text: string): string {
  if (text.isWellFormed() && !text.includes('\u0000')) return text;
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/**
 * One stream of text deltas made storable. A surrogate pair split across two deltas is joined: a high surrogate at
 * the end of a delta waits for the next one, and becomes U+FFFD if the stream ends first.
 */
export class StorableTextStream {
  private held = '';

  push(delta: string): string {
    let text = this.held + delta;
    this.held = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.held = text.slice(-1);
      text = text.slice(0, -1);
    }
    return storableText(text);
  }

  /** What is still held when the stream ends: '' or one U+FFFD. */
  end(): string {
    const rest = this.held ? '\uFFFD' : '';
    this.held = '';
    return rest;
  }
}

/** A JSON value from elsewhere with every string in it, keys too, made storable (as `storableText`). */
export function storableJson<T extends Json>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(storableJson) as T;
  // fromEntries defines each key as its own property: a `__proto__` key stays a key.
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [storableText(key), storableJson(entry)])) as T;
}
