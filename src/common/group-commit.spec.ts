import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('writes what arrives during a write as the next batch, answering each caller', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const firstWrite = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number, string>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await firstWrite;
      return items.map((n) => `ok ${n}`);
    }, 1);
    const first = commit.add(1);
    const rest = [commit.add(2), commit.add(3)];
    release();
    expect(await Promise.all([first, ...rest])).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('rejects every caller of a failed batch, and goes on with the next', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(async (items) => {
      calls += 1;
      if (calls === 1) throw new Error('disk full');
      return items;
    }, 1);
    await expect(commit.add(1)).rejects.toThrow('disk full');
    expect(await commit.add(2)).toBe(2);
  });
});
