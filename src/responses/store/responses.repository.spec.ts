import { DataSource } from 'typeorm';

import { type CountedConnection, countedConnection } from '../../../test/support/rows-read';
import type { InputItem, ResponseObject } from '../../common/openai/types';
import { dataSourceOptions } from '../../database/data-source-options';
import { type NewResponseRow, ResponsesRepository } from './responses.repository';

/** On real Postgres: a long chain of previous responses costs a turn what it keeps of it, not its length. */
describe('ResponsesRepository with a chain of 3,000 responses', () => {
  const tenant = `tenant_${Date.now()}`;
  const LENGTH = 3000;
  const idOf = (n: number) => `resp_chain_${tenant}_${n}`;
  const question = (n: number): InputItem => ({ id: `msg_q_${tenant}_${n}`, type: 'message', role: 'user', content: `question ${n}` });
  const answer = (n: number): InputItem => ({ id: `msg_a_${tenant}_${n}`, type: 'message', role: 'assistant', content: `answer ${n}` });
  const row = (n: number): NewResponseRow => ({
    tenantId: tenant,
    response: {
      id: idOf(n),
      status: 'completed',
      model: 'm',
      created_at: 1_800_000_000,
      previous_response_id: n > 1 ? idOf(n - 1) : null,
      background: false,
      output: [answer(n)],
    } as unknown as ResponseObject,
    inputItems: [question(n)],
    sampling: {},
    lastSequenceNumber: -1,
  });
  let dataSource: DataSource;
  let counted: CountedConnection;
  let repository: ResponsesRepository;
  /** What each response holds as Postgres measures it (jsonb's text): they are alike but for their number, 4 digits here. */
  let responseBytes: number;

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(process.env.TEST_DATABASE_URL!, 2)).initialize();
    // Numbered from 1,000 so that every response has the same size.
    await new ResponsesRepository(dataSource, 'test-process').insertMany(Array.from({ length: LENGTH }, (_, index) => row(1000 + index)));
    const [{ size }] = await dataSource.query(`SELECT octet_length(jsonb_build_array($1::jsonb)::text) + octet_length($2::jsonb::text) AS size`, [
      JSON.stringify(answer(1000)),
      JSON.stringify(question(1000)),
    ]);
    responseBytes = size;
    counted = await countedConnection();
    repository = new ResponsesRepository(counted.dataSource, 'test-process');
  });
  afterAll(async () => {
    await counted.end();
    await dataSource.query('DELETE FROM responses WHERE tenant_id = $1', [tenant]);
    await dataSource.destroy();
  });

  it('gives a turn its newest responses that fit, visiting them and one more, not the 3,000', async () => {
    const last = 1000 + LENGTH - 1;
    const { result, rowsRead } = await counted.reading('responses', () => repository.chain(tenant, idOf(last), responseBytes * 5 + 3));
    expect(result).toEqual({ items: [4, 3, 2, 1, 0].flatMap((back) => [question(last - back), answer(last - back)]), cut: true });
    expect(rowsRead).toBeLessThanOrEqual(6);
  });

  it('gives the whole chain, oldest first, when it fits', async () => {
    const history = await repository.chain(tenant, idOf(1000 + LENGTH - 1), 64 * 1024 * 1024);
    expect(history?.cut).toBe(false);
    expect(history?.items).toHaveLength(2 * LENGTH);
    expect(history?.items.slice(0, 2)).toEqual([question(1000), answer(1000)]);
  });

  it("finds no chain for another tenant's response", async () => {
    expect(await repository.chain('another tenant', idOf(1000 + LENGTH - 1), 1000)).toBeNull();
  });
});
