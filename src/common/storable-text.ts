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
