import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Live JavaScript heap of a Node process, from heap snapshots it writes on SIGUSR2 (a snapshot collects the garbage
 * first, so it holds only what is still referenced). Peak RSS counts garbage not yet collected; this does not.
 */
export class HeapSnapshots {
  readonly dir = mkdtempSync(join(tmpdir(), 'bench-heap-'));

  /** Node's options that make a process write a snapshot here on SIGUSR2. */
  get nodeArgs(): string[] {
    return ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${this.dir}`];
  }

  /** Asks `pid` for a snapshot, waits until it is written, and answers the bytes of every object in it. */
  async liveBytes(pid: number): Promise<number> {
    const before = new Set(readdirSync(this.dir));
    process.kill(pid, 'SIGUSR2');
    for (let waited = 0; waited < 120_000; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const file = readdirSync(this.dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
      if (!file) continue;
      const path = join(this.dir, file);
      const size = statSync(path).size;
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (size === 0 || statSync(path).size !== size) continue;
      const bytes = selfSizes(readFileSync(path, 'utf8'));
      if (bytes === undefined) continue;
      rmSync(path);
      return bytes;
    }
    throw new Error(`no heap snapshot from process ${pid} after 2 minutes`);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The sum of the self sizes of a snapshot's nodes; undefined while the file is still being written. */
function selfSizes(text: string): number | undefined {
  let snapshot: { snapshot: { meta: { node_fields: string[] } }; nodes: number[] };
  try {
    snapshot = JSON.parse(text) as typeof snapshot;
  } catch {
    return undefined;
  }
  const fields = snapshot.snapshot.meta.node_fields;
  const selfSize = fields.indexOf('self_size');
  let total = 0;
  for (let i = selfSize; i < snapshot.nodes.length; i += fields.length) total += snapshot.nodes[i];
  return total;
}
