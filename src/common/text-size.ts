/**
 * Whether the strings of `value` (its keys and string values, at any depth) hold more than `limit` characters in
 * all. It stops as soon as they do, so a small value costs a walk of its few nodes and a large one no more than
 * `limit` characters' worth.
 */
export function holdsMoreText(value: unknown, limit: number): boolean {
  let total = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') total += next.length;
    else if (Array.isArray(next)) for (const element of next) pending.push(element);
    else if (next !== null && typeof next === 'object') {
      for (const key in next) {
        total += key.length;
        pending.push((next as Record<string, unknown>)[key]);
      }
    }
    if (total > limit) return true;
  }
  return false;
}
