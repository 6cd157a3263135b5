import { PreparingClient, statementName } from './preparing-client';

describe('PreparingClient', () => {
  let client: PreparingClient;

  beforeAll(async () => {
    client = new PreparingClient({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
  });
  afterAll(() => client.end());

  const prepared = async (): Promise<Array<{ name: string; statement: string }>> =>
    (await client.query('SELECT name, statement FROM pg_prepared_statements ORDER BY name')).rows;

  it('prepares a parameterized query once on its connection and reuses it on later calls', async () => {
    const text = 'SELECT $1::int + $2::int AS sum';
    expect((await client.query(text, [1, 2])).rows).toEqual([{ sum: 3 }]);
    expect((await client.query(text, [40, 2])).rows).toEqual([{ sum: 42 }]);
    expect(await prepared()).toEqual([{ name: statementName(text), statement: text }]);
  });

  it('runs queries without parameters as they are, unprepared', async () => {
    await client.query('SELECT 1');
    expect((await prepared()).map((row) => row.statement)).not.toContain('SELECT 1');
  });

  it('keeps the callback form working', async () => {
    const sum = await new Promise((resolve, reject) =>
      client.query('SELECT $1::int * 2 AS twice', [21], (error: Error | null, result: { rows: Array<{ twice: number }> }) =>
        error ? reject(error) : resolve(result.rows[0].twice),
      ),
    );
    expect(sum).toBe(42);
  });

  it('names equal texts equally and different texts differently', () => {
    expect(statementName('SELECT $1')).toBe(statementName('SELECT $1'));
    expect(statementName('SELECT $1')).not.toBe(statementName('SELECT $2'));
  });
});
