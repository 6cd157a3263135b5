import type { ResponseObject } from '../common/openai/types';
import { ResponseWrites } from './response-writes';
import type { NewResponseRow, ResponsesRepository, StateUpdate } from './responses.repository';

const row = (id: string): NewResponseRow => ({ tenantId: 't', response: { id } as ResponseObject, inputItems: [], sampling: {}, lastSequenceNumber: -1 });
const update = (id: string, expectedStatus = ['in_progress']): StateUpdate => ({ response: { id } as ResponseObject, lastSequenceNumber: 3, expectedStatus });

describe('ResponseWrites', () => {
  it('writes concurrent inserts together, and when a batch fails retries row by row so only the bad row fails', async () => {
    const batches: string[][] = [];
    const repository = {
      insertMany: async (rows: NewResponseRow[]) => {
        batches.push(rows.map((r) => r.response.id));
        if (rows.some((r) => r.response.id === 'bad')) throw new Error('foreign key violation');
      },
    } as unknown as ResponsesRepository;
    const writes = new ResponseWrites(repository);
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'bad', 'e'].map((id) => writes.insert(row(id))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // The first four go one per batch while the pipe fills (4 in flight); the rest wait and go together.
    expect(batches.slice(0, 5)).toEqual([['a'], ['b'], ['c'], ['d'], ['bad', 'e']]);
    expect(batches.slice(5)).toEqual([['bad'], ['e']]);
  });

  it('answers each update whether it was written, and sends two updates of one response one by one', async () => {
    const batches: string[][] = [];
    const repository = {
      updateStates: async (rows: StateUpdate[]) => {
        batches.push(rows.map((r) => r.response.id));
        return rows.map((r) => r.expectedStatus.includes('in_progress'));
      },
    } as unknown as ResponsesRepository;
    const writes = new ResponseWrites(repository);
    const fill = Array.from({ length: 4 }, (_, i) => writes.updateState(update(`f${i}`)));
    const answers = await Promise.all([...fill, writes.updateState(update('x')), writes.updateState(update('x', ['queued']))]);
    expect(answers).toEqual([true, true, true, true, true, false]);
    expect(batches.slice(4)).toEqual([['x'], ['x']]);
  });
});
