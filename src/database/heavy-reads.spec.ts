import { CancellationSource } from '../common/cancellation';
import type { AppConfig } from '../config/app-config';
import { HeavyReads } from './heavy-reads';

describe('HeavyReads', () => {
  /** A read that runs until `finish` is called, recording when it started. */
  const pending = (log: string[], name: string) => {
    let finish!: () => void;
    const read = () => {
      log.push(name);
      return new Promise<string>((resolve) => (finish = () => resolve(name)));
    };
    return { read, finish: () => finish() };
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('runs half the pool at once, a quarter of those per tenant, and lets other tenants by one at its bound', async () => {
    const reads = new HeavyReads({ DATABASE_POOL_SIZE: 16 } as AppConfig);
    expect([reads.limit, reads.perTenant]).toEqual([8, 2]);
    const started: string[] = [];
    const a = [1, 2, 3, 4].map((n) => pending(started, `a${n}`));
    const runs = a.map(({ read }) => reads.run('a', read));
    const b = [1, 2, 3].map((n) => pending(started, `b${n}`));
    runs.push(...b.map(({ read }) => reads.run('b', read)));
    await settle();
    expect(started).toEqual(['a1', 'a2', 'b1', 'b2']);
    a[0].finish();
    await settle();
    expect(started).toEqual(['a1', 'a2', 'b1', 'b2', 'a3']);
    b[1].finish();
    await settle();
    expect(started.at(-1)).toBe('b3');
    a[1].finish();
    await settle();
    expect(started.at(-1)).toBe('a4');
    for (const { finish } of [a[2], a[3], b[0], b[2]]) finish();
    expect(await Promise.all(runs)).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3']);
  });

  it('waits, in order, for room under the whole bound', async () => {
    const reads = new HeavyReads({ DATABASE_POOL_SIZE: 4 } as AppConfig);
    expect([reads.limit, reads.perTenant]).toEqual([2, 1]);
    const started: string[] = [];
    const [x, y, z] = ['x', 'y', 'z'].map((tenant) => pending(started, tenant));
    const runs = [reads.run('x', x.read), reads.run('y', y.read), reads.run('z', z.read)];
    await settle();
    expect(started).toEqual(['x', 'y']);
    y.finish();
    await settle();
    expect(started).toEqual(['x', 'y', 'z']);
    x.finish();
    z.finish();
    expect(await Promise.all(runs)).toEqual(['x', 'y', 'z']);
  });

  it('frees the place of a read that fails', async () => {
    const reads = new HeavyReads({ DATABASE_POOL_SIZE: 2 } as AppConfig);
    await expect(reads.run('a', () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    expect(await reads.run('a', async () => 'next')).toBe('next');
  });

  it('drops a waiting read whose client went away, and never starts it', async () => {
    const reads = new HeavyReads({ DATABASE_POOL_SIZE: 2 } as AppConfig);
    const started: string[] = [];
    const [first, gone, next] = ['first', 'gone', 'next'].map((name) => pending(started, name));
    const clientLeft = new CancellationSource();
    const runs = [reads.run('a', first.read), reads.run('a', gone.read, clientLeft), reads.run('a', next.read)];
    await settle();
    clientLeft.request();
    await expect(runs[1]).rejects.toMatchObject({ status: 499, code: 'client_closed_request' });
    first.finish();
    await settle();
    expect(started).toEqual(['first', 'next']);
    next.finish();
    expect(await Promise.all([runs[0], runs[2]])).toEqual(['first', 'next']);
    // A read whose client had already left does not wait at all.
    await expect(reads.run('a', first.read, clientLeft)).rejects.toMatchObject({ status: 499 });
  });
});
