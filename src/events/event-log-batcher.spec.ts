import { EventLogBatcher } from './event-log-batcher';
import type { EventRun } from './event-runs';
import type { SerializedEvent } from './serialized-event';

const event = (sequenceNumber: number): SerializedEvent => ({
  type: 'response.output_text.delta',
  sequenceNumber,
  json: `{"sequence_number":${sequenceNumber}}`,
});
const runsOf = (runs: EventRun[]) => runs.map((run) => `${run.responseId}:${run.events.map((e) => e.sequenceNumber).join(',')}`);

/** An insert that records what it was given and commits when the test says so. */
function recordingInsert() {
  const calls: Array<{ runs: string[]; notifyIds: string[]; skipDeleted: boolean; commit(): void; fail(error: Error): void }> = [];
  const insert = (runs: EventRun[], notifyIds: string[], skipDeleted: boolean) =>
    new Promise<void>((resolve, reject) => calls.push({ runs: runsOf(runs), notifyIds, skipDeleted, commit: resolve, fail: reject }));
  return { calls, insert };
}

/** The end of this turn: a write due at once has started (setImmediate stays real for this). */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('EventLogBatcher', () => {
  // The clock (performance.now and setTimeout) moves only when a test moves it: a slow or busy machine (CI, a
  // hypervisor stealing the core) must not turn "within the window" into "a window later".
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('writes the first events after a quiet spell at the end of the turn, and those of the next window together', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 40);
    const a = batcher.writer('resp_a', false);
    const b = batcher.writer('resp_b', true);
    a.append([event(0), event(1)]);
    b.append([event(0)]);
    await tick();
    expect(calls.map((call) => call.runs)).toEqual([['resp_a:0,1', 'resp_b:0']]);
    expect(calls[0].notifyIds).toEqual(['resp_b']);
    calls[0].commit();
    await tick();
    a.append([event(2)]);
    b.append([event(1)]);
    a.append([event(3)]);
    await tick();
    expect(calls).toHaveLength(1);
    jest.advanceTimersByTime(39);
    expect(calls).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(calls.map((call) => call.runs)).toEqual([
      ['resp_a:0,1', 'resp_b:0'],
      ['resp_a:2,3', 'resp_b:1'],
    ]);
  });

  it('writes at once the events of a response quiet for a window, taking along those waiting for the window', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 40);
    const busy = batcher.writer('resp_busy', false);
    const quiet = batcher.writer('resp_quiet', true);
    busy.append([event(0)]);
    quiet.append([event(0)]);
    await tick();
    calls[0].commit();
    await tick();
    jest.advanceTimersByTime(40);
    busy.append([event(1)]);
    await tick();
    expect(calls).toHaveLength(2); // resp_busy's last write is a window old: due at once
    calls[1].commit();
    await tick();
    busy.append([event(2)]);
    quiet.append([event(1)]);
    await tick();
    expect(calls.map((call) => call.runs)).toEqual([['resp_busy:0', 'resp_quiet:0'], ['resp_busy:1'], ['resp_busy:2', 'resp_quiet:1']]);
  });

  it('writes at once on flush, resolving only when the write has committed', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 60_000);
    const writer = batcher.writer('resp_a', false);
    writer.append([event(0)]);
    let flushed = false;
    const flushing = writer.flush().then(() => (flushed = true));
    await tick();
    expect(calls.map((call) => call.runs)).toEqual([['resp_a:0']]);
    expect(flushed).toBe(false);
    calls[0].commit();
    await flushing;
    expect(flushed).toBe(true);
  });

  it('keeps one write in flight: what comes meanwhile is written next, in order, and at once when flushed', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 60_000);
    const writer = batcher.writer('resp_a', false);
    writer.append([event(0)]);
    const first = writer.flush();
    writer.append([event(1)]);
    writer.append([event(2)]);
    const second = writer.flush();
    await tick();
    expect(calls).toHaveLength(1);
    calls[0].commit();
    await first;
    await tick();
    expect(calls.map((call) => call.runs)).toEqual([['resp_a:0'], ['resp_a:1,2']]);
    calls[1].commit();
    await second;
  });

  it('reports a failed write to the flush of every writer it held, and still writes later events', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 60_000);
    const a = batcher.writer('resp_a', false);
    const b = batcher.writer('resp_b', false);
    a.append([event(0)]);
    b.append([event(0)]);
    const flushingA = a.flush();
    await tick();
    calls[0].fail(new Error('database gone'));
    await expect(flushingA).rejects.toThrow('database gone');
    await expect(b.flush()).rejects.toThrow('database gone');
    const c = batcher.writer('resp_c', false);
    c.append([event(0)]);
    const flushingC = c.flush();
    await tick();
    calls[1].commit();
    await expect(flushingC).resolves.toBeUndefined();
  });

  it('hands over the events still waiting once those written before them are durable, and no batch writes them', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 40);
    const a = batcher.writer('resp_a', false);
    const b = batcher.writer('resp_b', false);
    a.append([event(0)]);
    await tick();
    a.append([event(1), event(2)]);
    let handedOver: SerializedEvent[] | undefined;
    const handing = a.handOver().then((events) => (handedOver = events));
    await tick();
    expect(handedOver).toBeUndefined(); // resp_a:0 is not durable yet
    calls[0].commit();
    await handing;
    expect(handedOver!.map((e) => e.sequenceNumber)).toEqual([1, 2]);
    b.append([event(0)]);
    await tick();
    jest.advanceTimersByTime(40);
    expect(calls.map((call) => call.runs)).toEqual([['resp_a:0'], ['resp_b:0']]);
  });

  it('fails the hand-over when a write of earlier events failed', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 40);
    const a = batcher.writer('resp_a', false);
    a.append([event(0)]);
    await tick();
    a.append([event(1)]);
    const handing = a.handOver();
    calls[0].fail(new Error('connection lost'));
    await expect(handing).rejects.toThrow('connection lost');
  });

  it('writes each response alone after Postgres refuses a row of a batch, so that only the owner of the bad row fails', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 40);
    const good = batcher.writer('resp_good', false);
    const bad = batcher.writer('resp_bad', false);
    good.append([event(0)]);
    bad.append([event(0)]);
    await tick();
    const refused = Object.assign(new Error('Unicode low surrogate must follow a high surrogate'), { code: '22P02' });
    calls[0].fail(refused);
    await tick();
    expect(calls.map((call) => call.runs)).toEqual([['resp_good:0', 'resp_bad:0'], ['resp_good:0']]);
    calls[1].commit();
    await tick();
    expect(calls[2].runs).toEqual(['resp_bad:0']);
    calls[2].fail(refused);
    await expect(good.flush()).resolves.toBeUndefined();
    await expect(bad.flush()).rejects.toBe(refused);
  });

  it('writes each response alone, skipping deleted ones, after a batch fails on the foreign key of a deleted response', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 40);
    const kept = batcher.writer('resp_kept', false);
    const deleted = batcher.writer('resp_deleted', false);
    kept.append([event(0)]);
    deleted.append([event(0)]);
    await tick();
    expect(calls[0].skipDeleted).toBe(false);
    calls[0].fail(Object.assign(new Error('violates foreign key constraint "response_events_response_id_fkey"'), { code: '23503' }));
    await tick();
    expect(calls.map((call) => [call.runs, call.skipDeleted])).toEqual([
      [['resp_kept:0', 'resp_deleted:0'], false],
      [['resp_kept:0'], true],
    ]);
    calls[1].commit();
    await tick();
    expect(calls[2].runs).toEqual(['resp_deleted:0']);
    expect(calls[2].skipDeleted).toBe(true);
    // The statement drops the deleted response's run: neither writer fails.
    calls[2].commit();
    await expect(kept.flush()).resolves.toBeUndefined();
    await expect(deleted.flush()).resolves.toBeUndefined();
  });

  it('fails every writer of a batch at once when the database itself fails (no statement per response)', async () => {
    const { calls, insert } = recordingInsert();
    const batcher = new EventLogBatcher(insert, 40);
    const a = batcher.writer('resp_a', false);
    const b = batcher.writer('resp_b', false);
    a.append([event(0)]);
    b.append([event(0)]);
    await tick();
    const down = Object.assign(new Error('Connection terminated'), { code: '57P01' });
    calls[0].fail(down);
    await expect(a.flush()).rejects.toBe(down);
    await expect(b.flush()).rejects.toBe(down);
    expect(calls).toHaveLength(1);
  });
});
