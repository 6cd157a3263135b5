/**
 * Group commit: items added while a write is in flight are written together by the next one, so that many
 * concurrent callers cost a few statements rather than one each, and a lone caller waits for nobody. With
 * `maxInFlight: 1` writes happen strictly in order.
 */
export class GroupCommit<T, R> {
  private queue: Array<{ item: T; resolve(result: R): void; reject(error: unknown): void }> = [];
  private inFlight = 0;

  constructor(
    /** Writes a batch; answers one result per item, in order. */
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxInFlight: number,
  ) {}

  /** Writes `item` by itself at once, beside the batches: neither waits for the other. */
  async alone(item: T): Promise<R> {
    const [result] = await this.write([item]);
    return result;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      this.inFlight += 1;
      this.write(batch.map((entry) => entry.item))
        .then(
          (results) => batch.forEach((entry, index) => entry.resolve(results[index])),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}
