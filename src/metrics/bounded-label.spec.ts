import { BoundedLabel } from './bounded-label';

describe('BoundedLabel', () => {
  it('keeps the first values up to its limit, counts the rest as other, and always keeps the names kept beforehand', () => {
    const label = new BoundedLabel(2);
    label.keep(['configured']);
    expect(['a', 'b', 'c', 'a', 'configured', 'd', 'b'].map((value) => label.of(value))).toEqual(['a', 'b', 'other', 'a', 'configured', 'other', 'b']);
  });
});
