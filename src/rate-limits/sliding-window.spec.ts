import { estimate, secondsUntilBelow, secondsUntilReset } from './sliding-window';

describe('sliding window', () => {
  it('weighs the previous minute by the part of it still in the window', () => {
    expect(estimate({ previous: 60, current: 10 }, 0)).toBe(70);
    expect(estimate({ previous: 60, current: 10 }, 30)).toBe(40);
    expect(estimate({ previous: 60, current: 10 }, 59)).toBeCloseTo(11);
  });

  it('says how long a refused client waits until the estimate drops under the limit', () => {
    // 40 of the last minute and 10 now against a limit of 30: under it once 20 of the 40 have slid out (30 s in).
    const counts = { previous: 40, current: 10 };
    const wait = secondsUntilBelow(counts, 30, 0);
    expect(wait).toBe(30);
    expect(estimate(counts, wait)).toBeLessThan(30 + 1e-9);
    // The whole limit used this minute: next minute, once enough of this one has slid out.
    expect(secondsUntilBelow({ previous: 0, current: 30 }, 30, 20)).toBe(40);
    expect(secondsUntilBelow({ previous: 0, current: 60 }, 30, 0)).toBe(90);
    expect(estimate({ previous: 60, current: 0 }, 30)).toBeLessThanOrEqual(30);
  });

  it('says when the window is empty again', () => {
    expect(secondsUntilReset({ previous: 0, current: 0 }, 10)).toBe(0);
    expect(secondsUntilReset({ previous: 3, current: 0 }, 10)).toBe(50);
    expect(secondsUntilReset({ previous: 3, current: 1 }, 10)).toBe(110);
  });
});
