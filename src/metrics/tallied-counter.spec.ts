import { Counter, Registry } from 'prom-client';

import { TalliedCounter } from './tallied-counter';

describe('TalliedCounter', () => {
  it('shows every increment, by label values, when the metrics are read', async () => {
    const registry = new Registry();
    const tally = new TalliedCounter<'tenant' | 'model'>(
      (collect) => new Counter({ name: 'tallied_total', help: 'x', labelNames: ['tenant', 'model'], registers: [registry], collect }),
    );
    tally.inc({ tenant: 'a', model: 'm' });
    tally.inc({ model: 'm', tenant: 'a' }, 2);
    // Values that would run together if joined: still two series.
    tally.inc({ tenant: 'a:1', model: 'b' });
    tally.inc({ tenant: 'a', model: '1:b' }, 5);
    const read = async () => (await registry.getSingleMetric('tallied_total')!.get()).values as Array<{ labels: object; value: number }>;
    expect(await read()).toEqual(
      expect.arrayContaining([
        { labels: { tenant: 'a', model: 'm' }, value: 3 },
        { labels: { tenant: 'a:1', model: 'b' }, value: 1 },
        { labels: { tenant: 'a', model: '1:b' }, value: 5 },
      ]),
    );
    tally.inc({ tenant: 'a', model: 'm' });
    expect((await read()).find((entry) => JSON.stringify(entry.labels) === '{"tenant":"a","model":"m"}')?.value).toBe(4);
  });
});
