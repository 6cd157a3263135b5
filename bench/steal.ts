import { existsSync, readFileSync } from 'node:fs';

/**
 * Time the hypervisor gave this VM's cores to someone else while they had work to do (`steal` in /proc/stat). On
 * these VMs it comes in bursts: a core can lose a third of a second, which stalls whatever runs there and shows as a
 * p99 or a gap no code caused. Sampled every second over a benchmark and printed with its tables.
 */
export class StealWatch {
  private first?: CoreTicks[];
  private last?: CoreTicks[];
  /** The largest share of a second stolen from each core. */
  private worst: number[] = [];
  private timer?: NodeJS.Timeout;

  start(): void {
    this.stop();
    if (!existsSync('/proc/stat')) return;
    this.first = this.last = readCores();
    this.worst = this.first.map(() => 0);
    this.timer = setInterval(() => {
      const now = readCores();
      now.forEach((core, i) => (this.worst[i] = Math.max(this.worst[i], share(this.last![i], core))));
      this.last = now;
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** E.g. "stolen by the hypervisor: core 0 3.2 % (at most 31 % of a second), core 1 0.8 % (at most 12 % of a second)". */
  describe(): string | undefined {
    if (!this.first) return undefined;
    const now = readCores();
    const cores = now.map(
      (core, i) => `core ${i} ${(share(this.first![i], core) * 100).toFixed(1)} % (at most ${Math.round(this.worst[i] * 100)} % of a second)`,
    );
    return `stolen by the hypervisor: ${cores.join(', ')}`;
  }
}

interface CoreTicks {
  steal: number;
  total: number;
}

function readCores(): CoreTicks[] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      // user nice system idle iowait irq softirq steal (guest time is counted in user already)
      const ticks = line.split(/\s+/).slice(1, 9).map(Number);
      return { steal: ticks[7], total: ticks.reduce((sum, value) => sum + value, 0) };
    });
}

function share(from: CoreTicks, to: CoreTicks): number {
  const total = to.total - from.total;
  return total > 0 ? (to.steal - from.steal) / total : 0;
}
