/** A bucket's counts in the current minute and the one before (every replica's, as last read, plus this one's since). */
export interface WindowCounts {
  current: number;
  previous: number;
}

/**
 * The sliding-window estimate of the last 60 s: all of this minute, and of the minute before the part that still
 * lies in the window (`elapsed`, the seconds into this minute).
 */
export function estimate(counts: WindowCounts, elapsed: number): number {
  return counts.previous * (1 - elapsed / 60) + counts.current;
}

/** Seconds, with nothing more counted, until the estimate is below `limit` again (at least 1). */
export function secondsUntilBelow(counts: WindowCounts, limit: number, elapsed: number): number {
  if (counts.current >= limit) {
    // Only once this minute has become the previous one, and enough of it has slid out of the window.
    return Math.max(1, Math.ceil(60 - elapsed + 60 * (1 - limit / counts.current)));
  }
  if (counts.previous === 0) return 1;
  return Math.max(1, Math.ceil(60 * (1 - (limit - counts.current) / counts.previous) - elapsed));
}

/** Seconds until the window holds nothing of what is counted now: OpenAI's `x-ratelimit-reset-*`. */
export function secondsUntilReset(counts: WindowCounts, elapsed: number): number {
  if (counts.current > 0) return Math.ceil(120 - elapsed);
  if (counts.previous > 0) return Math.ceil(60 - elapsed);
  return 0;
}
