/**
 * Calls `onIdle` once `touch` has not been called for `ms`, and again after each further `ms` of quiet, until stopped.
 * A touch only notes the time; the timer moves when it fires early. A stream touches its timers once per event, and
 * refreshing a Node timer relinks it in the timer list each time.
 */
export class IdleTimer {
  private lastTouch = performance.now();
  private timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {
    this.timer = setTimeout(this.check, ms);
  }

  touch(): void {
    this.lastTouch = performance.now();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private readonly check = (): void => {
    const remaining = this.lastTouch + this.ms - performance.now();
    if (remaining > 0) {
      this.timer = setTimeout(this.check, remaining);
      return;
    }
    this.onIdle();
    if (this.stopped) return;
    this.lastTouch = performance.now();
    this.timer = setTimeout(this.check, this.ms);
  };
}
