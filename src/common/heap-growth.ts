import { setFlagsFromString } from 'node:v8';

/**
 * Lets the old generation grow to (1 + percent/100) times what the last full collection kept before the next one.
 *
 * Why: what a request leaves in the old generation (5 to 8 KB of garbage per stored create) is only reclaimed by a
 * full collection, and at V8's own choice here (about 1.4 times the live heap, since marking is quick) one came every
 * 3 to 6 seconds at 750 creates/s. Its marking shares the process's core with the requests: each stalled the event
 * loop 50 to 130 ms, which at that rate was the p99. Four times the live heap (about 300 MB here) makes them about
 * ten times rarer (one in 48 seconds at 750 creates/s) for that memory. `--max-old-space-size` still caps the heap:
 * near the cap V8 collects sooner, and does not fail for this. (Those figures predate the hidden-class and logger
 * changes of bench/HISTORY.md, after which a create leaves about 0.5 KB and a stored stream about 3 KB: full
 * collections are rarer still, at either setting.)
 *
 * V8 reads this flag each time it sets the next limit, so setting it at start-up, before the heap has grown, is
 * enough; 0 leaves the growth to V8.
 */
export function setHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
