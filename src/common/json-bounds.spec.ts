import { checkJsonBounds } from './json-bounds';
import { checkJsonShape, MAX_JSON_DEPTH, MAX_OBJECT_KEYS } from './json-shape';

const bounds = (text: string) => checkJsonBounds(Buffer.from(text));
const keys = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i % 2 ? '"v,}"' : '[1,{"a":2}]'}`).join(', ')}}`;

describe('checkJsonBounds (on raw bytes, before parsing)', () => {
  it('passes what is within bounds, strings holding structural characters and escapes included', () => {
    for (const text of [
      '{}',
      '[]',
      '"x"',
      '{"a":"{[,\\"]}","b":[1,2,{"c":null}]}',
      keys(MAX_OBJECT_KEYS),
      `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`,
    ]) {
      expect(bounds(text)).toBeUndefined();
    }
  });

  it('names the object with too many keys, as the parsed check does', () => {
    const text = `{"model":"m","tools":[{"type":"function","parameters":{"properties":${keys(MAX_OBJECT_KEYS + 1)}}}]}`;
    expect(bounds(text)).toEqual({ param: 'tools[0].parameters.properties', message: expect.stringContaining('at most 5000 keys'), code: 'too_many_keys' });
    expect(checkJsonShape(JSON.parse(text))).toMatchObject({ param: 'tools[0].parameters.properties', code: 'too_many_keys' });
    expect(bounds(keys(MAX_OBJECT_KEYS + 1))).toMatchObject({ param: '', code: 'too_many_keys' });
    expect(bounds(`{"a\\"b":${keys(MAX_OBJECT_KEYS + 1)}}`)).toMatchObject({ param: 'a"b' });
  });

  it('ends each string at its first quote after an even run of backslashes', () => {
    const over = keys(MAX_OBJECT_KEYS + 1);
    // Each string holds escaped backslashes, escaped quotes after them, and structural characters: only what follows
    // the string is structure.
    for (const text of ['a\\', '\\"{[\\\\"]}\\', '\\\\\\', '"', 'x'.repeat(100_000) + '\\"}']) {
      const body = `{${JSON.stringify(text)}:${over},"s":${JSON.stringify(text)},"t":${over}}`;
      expect(bounds(body)).toEqual({ param: text, message: expect.stringContaining('at most 5000 keys'), code: 'too_many_keys' });
      expect(bounds(`{"s":${JSON.stringify(text)},"t":${over}}`)).toMatchObject({ param: 't' });
      expect(bounds(`[${JSON.stringify(text)},{"u":1}]`)).toBeUndefined();
    }
  });

  it('bounds the keys of the whole body', () => {
    const text = `{"a":[${Array.from({ length: 25 }, () => keys(5000)).join(',')}]}`;
    expect(bounds(text)).toMatchObject({ param: '', code: 'too_many_keys', message: expect.stringContaining('100000 keys in all') });
  });

  it('finds nesting too deep, with the path to it', () => {
    const text = `{"input":[{"content":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`;
    expect(bounds(text)).toMatchObject({ code: 'nesting_too_deep', param: expect.stringMatching(/^input\[0\]\.content\[0\]/) });
  });

  it('reads a 14 MB body of a million keys in one linear pass', () => {
    const text = Buffer.from(keys(1_000_000));
    expect(text.length).toBeGreaterThan(14_000_000);
    expect(checkJsonBounds(text)).toMatchObject({ code: 'too_many_keys' });
  });
});
