/**
 * A fixed set of slots (a model's context sequences) handed out first come, first served: requests beyond the
 * limit wait in line instead of failing, and a request that gives up while waiting leaves the line.
 */
export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiting: Array<{ resolve: (slot: T) => void; reject: (reason: unknown) => void; signal?: AbortSignal; onAbort: () => void }> = [];

  constructor(slots: T[]) {
    this.free = [...slots];
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  acquire(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const slot = this.free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise<T>((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  release(slot: T): void {
    const next = this.waiting.shift();
    if (!next) {
      this.free.push(slot);
      return;
    }
    next.signal?.removeEventListener('abort', next.onAbort);
    next.resolve(slot);
  }
}
