import { unstorableReason } from './json-shape';

describe('unstorableReason', () => {
  it('finds a NUL and unpaired surrogates anywhere, and passes pairs', () => {
    const long = 'word '.repeat(200_000);
    for (const [text, reason] of [
      ['plain', undefined],
      ['a pair \u{1f600}', undefined],
      ['', undefined],
      [long, undefined],
      [`${long}\u0000`, 'contains a NUL character (U+0000)'],
      [`\ud800${long}`, 'contains an unpaired UTF-16 surrogate'],
      [`${long}\udc00`, 'contains an unpaired UTF-16 surrogate'],
      ['\udc00\ud800', 'contains an unpaired UTF-16 surrogate'],
    ] as const) {
      expect(unstorableReason(text)).toBe(reason);
    }
  });
});
