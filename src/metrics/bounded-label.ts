/**
 * The values of a metric's label that come from requests (a model's name), kept to a bounded set: each series costs
 * memory for the life of the process and every scrape renders them all, so a client sending new names cannot grow
 * them without end. Names kept beforehand (those the operator configured) always keep their own series; of the others,
 * the first `limit` do, and the rest are counted together under `other`.
 */
export class BoundedLabel {
  private readonly kept = new Set<string>();
  private others = 0;

  constructor(private readonly limit: number) {}

  /** Names that always have their own series. */
  keep(values: Iterable<string>): void {
    for (const value of values) this.kept.add(value);
  }

  of(value: string): string {
    if (this.kept.has(value)) return value;
    if (this.others >= this.limit) return 'other';
    this.others += 1;
    this.kept.add(value);
    return value;
  }
}
