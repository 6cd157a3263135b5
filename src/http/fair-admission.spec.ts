import { AsyncLocalStorage } from 'node:async_hooks';

import { FairAdmission } from './fair-admission';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** Resolves after `count` turns of the event loop, each of which lets one waiting request in. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await nextTurn();
}

/** A clock that moves only when a test says so: each request "runs" for as long as the test decides. */
function manualClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('FairAdmission', () => {
  it('lets a request into an idle process at once', () => {
    const clock = manualClock();
    const admission = new FairAdmission(2, clock.now);
    const entered: number[] = [];
    admission.admit(() => entered.push(1));
    expect(entered).toEqual([1]);
  });

  it('with a slice of 0, lets every request in at once', () => {
    const admission = new FairAdmission(0, manualClock().now);
    const entered: number[] = [];
    for (let i = 0; i < 3; i++) admission.admit(() => entered.push(i));
    expect(entered).toEqual([0, 1, 2]);
  });

  it('resolves admitted() at the caller’s turn, after those before it', async () => {
    const clock = manualClock();
    const admission = new FairAdmission(1, clock.now);
    const entered: string[] = [];
    admission.admit(() => (entered.push('http'), clock.advance(2)));
    const socketMessage = admission.admitted().then(() => entered.push('websocket'));
    expect(entered).toEqual(['http']);
    await socketMessage;
    expect(entered).toEqual(['http', 'websocket']);
  });

  it('lets a burst in a slice at a time, in order, one per turn once the slice is used up', async () => {
    const clock = manualClock();
    const admission = new FairAdmission(2, clock.now);
    const entered: number[] = [];
    // Each request takes 1 ms: the first two fill this turn's slice.
    for (let i = 0; i < 5; i++) admission.admit(() => (entered.push(i), clock.advance(1)));
    expect(entered).toEqual([0, 1]);
    await nextTurn();
    expect(entered).toEqual([0, 1, 2]);
    await nextTurn();
    expect(entered).toEqual([0, 1, 2, 3]);
    await nextTurn();
    expect(entered).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs what became due meanwhile between two waiting requests', async () => {
    const clock = manualClock();
    const admission = new FairAdmission(1, clock.now);
    const order: string[] = [];
    admission.admit(() => (order.push('request 0'), clock.advance(5)));
    admission.admit(() => {
      order.push('request 1');
      // A stream's token becomes due while this request keeps the process busy for 3 ms of real time.
      setTimeout(() => order.push('token'), 1);
      const until = performance.now() + 3;
      while (performance.now() < until);
    });
    admission.admit(() => order.push('request 2'));
    await turns(3);
    expect(order).toEqual(['request 0', 'request 1', 'token', 'request 2']);
  });

  it('lets newcomers queue behind those waiting, never ahead of them', async () => {
    const clock = manualClock();
    const admission = new FairAdmission(1, clock.now);
    const entered: string[] = [];
    admission.admit(() => (entered.push('a'), clock.advance(2)));
    admission.admit(() => entered.push('b'));
    await nextTurn();
    // b is let in at this turn; c comes after it even though the new turn's slice is fresh.
    admission.admit(() => entered.push('c'));
    await nextTurn();
    await nextTurn();
    expect(entered).toEqual(['a', 'b', 'c']);
  });

  it('takes the callers waiting in turn: a flood from one waits behind itself, not in front of another', async () => {
    const clock = manualClock();
    const admission = new FairAdmission(1, clock.now);
    const entered: string[] = [];
    const request = (caller: string, name: string) => admission.admit(() => (entered.push(name), clock.advance(2)), caller);
    for (let i = 0; i < 4; i++) request('Bearer flood', `flood ${i}`);
    request('Bearer other', 'other');
    request('Bearer flood', 'flood 4');
    await turns(6);
    expect(entered).toEqual(['flood 0', 'flood 1', 'other', 'flood 2', 'flood 3', 'flood 4']);
  });

  it('lets a waiting request in within its own async context (its logger), not that of the turn', async () => {
    const clock = manualClock();
    const admission = new FairAdmission(1, clock.now);
    const storage = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    for (const id of ['req_1', 'req_2', 'req_3']) {
      storage.run(id, () => admission.admit(() => (seen.push(storage.getStore()), clock.advance(2))));
    }
    await turns(3);
    expect(seen).toEqual(['req_1', 'req_2', 'req_3']);
  });
});
