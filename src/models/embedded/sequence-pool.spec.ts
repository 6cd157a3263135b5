import { SequencePool } from './sequence-pool';

describe('SequencePool', () => {
  it('hands out each slot once and serves waiters in arrival order', async () => {
    const pool = new SequencePool(['a']);
    const first = await pool.acquire();
    const order: string[] = [];
    const second = pool.acquire().then((slot) => (order.push('second'), slot));
    const third = pool.acquire().then((slot) => (order.push('third'), slot));
    expect(pool.waitingCount).toBe(2);
    pool.release(first);
    pool.release(await second);
    expect(await third).toBe('a');
    expect(order).toEqual(['second', 'third']);
  });

  it('drops a waiter whose signal aborts, without losing the slot', async () => {
    const pool = new SequencePool(['a']);
    const held = await pool.acquire();
    const controller = new AbortController();
    const abandoned = pool.acquire(controller.signal);
    controller.abort(new Error('client left'));
    await expect(abandoned).rejects.toThrow('client left');
    expect(pool.waitingCount).toBe(0);
    pool.release(held);
    expect(await pool.acquire()).toBe('a');
  });
});
