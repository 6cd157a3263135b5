import { holdsMoreText } from './text-size';

describe('holdsMoreText', () => {
  it('counts the characters of every key and string, at any depth', () => {
    const value = { ab: ['cde', { f: 'gh', n: 12345, t: true, z: null }], i: 'j' };
    // ab + cde + f + gh + n + t + z + i + j = 2 + 3 + 1 + 2 + 1 + 1 + 1 + 1 + 1 = 13
    expect(holdsMoreText(value, 12)).toBe(true);
    expect(holdsMoreText(value, 13)).toBe(false);
    expect(holdsMoreText('x'.repeat(5), 4)).toBe(true);
    expect(holdsMoreText([], 0)).toBe(false);
  });

  it('stops at the limit', () => {
    const items = Array.from({ length: 1000 }, () => ({ content: 'x'.repeat(1000) }));
    let read = 0;
    const counted = items.map((item) => new Proxy(item, { get: (target, key) => (read++, Reflect.get(target, key)) }));
    expect(holdsMoreText(counted, 10_000)).toBe(true);
    expect(read).toBeLessThanOrEqual(11);
  });
});
