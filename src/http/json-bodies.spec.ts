import { parseJsonBody } from './json-bodies';

describe('parseJsonBody', () => {
  it('parses an object or an array, after a UTF-8 byte order mark if there is one', () => {
    expect(parseJsonBody(Buffer.from(' {"model":"m","input":"héllo"}'))).toEqual({ model: 'm', input: 'héllo' });
    expect(parseJsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[1]')]))).toEqual([1]);
  });

  it('reads an empty body as an empty object, as Express did', () => {
    expect(parseJsonBody(Buffer.alloc(0))).toEqual({});
  });

  it('refuses a body that is not an object or an array, or not JSON, with invalid_json', () => {
    for (const text of ['"text"', '42', 'null', '{"a":', 'model=m'])
      expect(() => parseJsonBody(Buffer.from(text))).toThrow(expect.objectContaining({ status: 400, code: 'invalid_json' }));
  });

  it('bounds nesting on the bytes before parsing', () => {
    expect(() => parseJsonBody(Buffer.from('['.repeat(100) + ']'.repeat(100)))).toThrow(expect.objectContaining({ status: 400, code: 'nesting_too_deep' }));
  });
});
