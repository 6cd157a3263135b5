import { DataSource } from 'typeorm';

import { dataSourceOptions } from './data-source-options';

describe('dataSourceOptions', () => {
  it("runs the pool's connections without JIT, which would compile generic plans again at every run", async () => {
    const dataSource = await new DataSource(dataSourceOptions(process.env.TEST_DATABASE_URL!, 2)).initialize();
    try {
      // Both connections of the pool, each as it opened.
      const answers = await Promise.all([dataSource.query('SHOW jit'), dataSource.query('SHOW jit')]);
      expect(answers).toEqual([[{ jit: 'off' }], [{ jit: 'off' }]]);
    } finally {
      await dataSource.destroy();
    }
  });
});
