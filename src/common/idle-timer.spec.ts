import { IdleTimer } from './idle-timer';

describe('IdleTimer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('calls back after the given quiet time, and again after each further one', () => {
    const idle = jest.fn();
    const timer = new IdleTimer(100, idle);
    jest.advanceTimersByTime(99);
    expect(idle).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(idle).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(100);
    expect(idle).toHaveBeenCalledTimes(2);
    timer.stop();
  });

  it('counts the quiet time from the last touch', () => {
    const idle = jest.fn();
    const timer = new IdleTimer(100, idle);
    for (let elapsed = 0; elapsed < 1000; elapsed += 60) {
      jest.advanceTimersByTime(60);
      timer.touch();
    }
    expect(idle).not.toHaveBeenCalled();
    jest.advanceTimersByTime(99);
    expect(idle).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(idle).toHaveBeenCalledTimes(1);
    timer.stop();
  });

  it('never calls back once stopped, even from its own callback', () => {
    const idle = jest.fn((): void => timer.stop());
    const timer: IdleTimer = new IdleTimer(100, idle);
    jest.advanceTimersByTime(1000);
    expect(idle).toHaveBeenCalledTimes(1);
    const other = jest.fn();
    new IdleTimer(100, other).stop();
    jest.advanceTimersByTime(1000);
    expect(other).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});
