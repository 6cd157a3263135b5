import { storableJson } from './storable-text';

describe('storableJson', () => {
  it('replaces NUL and lone surrogates in every string and key, at any depth, and keeps the rest', () => {
    const value = JSON.parse('{"a\\u0000":["x\\u0000y",{"deep":"\\ud800"}],"n":1,"t":true,"z":null,"__proto__":"kept"}');
    expect(JSON.stringify(storableJson(value))).toBe('{"a\uFFFD":["x\uFFFDy",{"deep":"\uFFFD"}],"n":1,"t":true,"z":null,"__proto__":"kept"}');
  });

  it('gives well-formed values back equal', () => {
    const value = { tools: [{ name: 'add', input_schema: { type: 'object', properties: { a: { type: 'number' } } } }] };
    expect(storableJson(value)).toEqual(value);
  });
});
