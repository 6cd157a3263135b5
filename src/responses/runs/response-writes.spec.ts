import type { ResponseObject } from '../../common/openai/types';
import type { AppConfig } from '../../config/app-config';
import type { ConversationAppend, ConversationsService } from '../../conversations/conversations.service';
import type { DatabaseAvailability } from '../../database/database-availability';
import type { EventLogService } from '../../events/event-log.service';
import type { SerializedEvent } from '../../events/serialized-event';
import type { UsageService } from '../../usage/usage.service';
import type { WebhooksService } from '../../webhooks/webhooks.service';
import type { NewResponseRow, ResponsesRepository, StateUpdate } from '../store/responses.repository';
import { ResponseWrites } from './response-writes';

const row = (id: string): NewResponseRow => ({ tenantId: 't', response: { id } as ResponseObject, inputItems: [], sampling: {}, lastSequenceNumber: -1 });
const noLog = {} as EventLogService;
const noConversations = {} as ConversationsService;
const noWebhooks = { sendsWebhook: () => false } as unknown as WebhooksService;
const noUsage = { add: async () => undefined } as unknown as UsageService;
const availability = { observeSuccess: () => undefined } as unknown as DatabaseAvailability;
const config = { DATABASE_OUTAGE_RETRY_MS: 5000 } as AppConfig;
const event = (sequenceNumber: number, type = 'response.output_text.delta'): SerializedEvent => ({
  type,
  sequenceNumber,
  json: `{"sequence_number":${sequenceNumber}}`,
});
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
    const writes = new ResponseWrites(repository, noLog, noConversations, noWebhooks, noUsage, availability, config);
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'bad', 'e'].map((id) => writes.insert(row(id))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // The first goes alone (nothing in flight); the rest gather while it is written and go together; the batch
    // holding the bad row fails and is retried row by row.
    expect(batches[0]).toEqual(['a']);
    expect(batches[1]).toEqual(['b', 'c', 'd', 'bad', 'e']);
    expect(batches.slice(2).sort()).toEqual([['b'], ['bad'], ['c'], ['d'], ['e']]);
  });

  it('writes a response with a large input by itself at once, neither waiting for the batch in flight nor holding up the next', async () => {
    const batches: string[][] = [];
    let releaseFirst!: () => void;
    const repository = {
      insertMany: async (rows: NewResponseRow[]) => {
        batches.push(rows.map((r) => r.response.id));
        if (rows[0].response.id === 'first') await new Promise<void>((resolve) => (releaseFirst = resolve));
      },
    } as unknown as ResponsesRepository;
    const writes = new ResponseWrites(repository, noLog, noConversations, noWebhooks, noUsage, availability, config);
    const first = writes.insert(row('first'));
    const large = { ...row('large'), inputItems: [{ type: 'message', role: 'user', content: 'x'.repeat(1_000_001) }] } as NewResponseRow;
    await writes.insert(large);
    const next = writes.insert(row('next'));
    expect(batches).toEqual([['first'], ['large']]);
    releaseFirst();
    await Promise.all([first, next]);
    expect(batches).toEqual([['first'], ['large'], ['next']]);
  });

  it("logs a new response's opening events in the round trip of its row, after the row", async () => {
    const written: string[] = [];
    const batch = { id: 'one round trip' };
    const repository = {
      inOneRoundTrip: async (work: (transaction: unknown) => Promise<unknown>) => work(batch),
      insertMany: async (rows: NewResponseRow[], transaction: unknown) =>
        void written.push(`rows ${rows.map((r) => r.response.id).join()} in ${String((transaction as typeof batch)?.id)}`),
    } as unknown as ResponsesRepository;
    const eventLog = {
      appendAll: async (entries: Array<{ responseId: string; events: SerializedEvent[]; notify: boolean }>, transaction: unknown) =>
        void written.push(
          `events ${entries.map((e) => `${e.responseId}:${e.events.length}:${e.notify}`).join()} in ${String((transaction as typeof batch)?.id)}`,
        ),
    } as unknown as EventLogService;
    const conversations = { append: async () => undefined } as unknown as ConversationsService;
    const writes = new ResponseWrites(repository, eventLog, conversations, noWebhooks, noUsage, availability, config);
    await writes.insert(row('s'), { log: { events: [event(0, 'response.created'), event(1, 'response.in_progress')], notify: false } });
    expect(written).toEqual(['rows s in one round trip', 'events s:2:false in one round trip']);
  });

  it('writes the end of a response with a large output by itself at once, beside the batch in flight', async () => {
    const batches: string[][] = [];
    let releaseFirst!: () => void;
    const repository = {
      updateStates: async (rows: StateUpdate[]) => {
        batches.push(rows.map((r) => r.response.id));
        if (rows[0].response.id === 'first') await new Promise<void>((resolve) => (releaseFirst = resolve));
        return rows.map(() => true);
      },
    } as unknown as ResponsesRepository;
    const writes = new ResponseWrites(repository, noLog, noConversations, noWebhooks, noUsage, availability, config);
    const first = writes.updateState(update('first'));
    const large = {
      ...update('large'),
      response: { id: 'large', output: [{ type: 'message', content: [{ text: 'x'.repeat(1_000_001) }] }] } as ResponseObject,
    };
    await expect(writes.updateState(large)).resolves.toBe(true);
    expect(batches).toEqual([['first'], ['large']]);
    releaseFirst();
    await expect(first).resolves.toBe(true);
  });

  it('answers each update whether it was written, and sends two updates of one response one by one', async () => {
    const batches: string[][] = [];
    const repository = {
      updateStates: async (rows: StateUpdate[]) => {
        batches.push(rows.map((r) => r.response.id));
        return rows.map((r) => r.expectedStatus.includes('in_progress'));
      },
    } as unknown as ResponsesRepository;
    const writes = new ResponseWrites(repository, noLog, noConversations, noWebhooks, noUsage, availability, config);
    const first = writes.updateState(update('f'));
    const answers = await Promise.all([first, writes.updateState(update('y')), writes.updateState(update('x')), writes.updateState(update('x', ['queued']))]);
    expect(answers).toEqual([true, true, true, false]);
    // f alone; then y, x and x gathered, which go one by one since x appears twice.
    expect(batches).toEqual([['f'], ['y'], ['x'], ['x']]);
  });

  it("commits runs' final states with the end of their logs and their conversations' items, the terminal event and the items only where the state was written", async () => {
    const transactions: Array<{
      states: string[];
      appended: Array<{ responseId: string; sequenceNumbers: number[]; notify: boolean }>;
      conversations: ConversationAppend[];
    }> = [];
    const manager = {};
    // A transaction, or a batch in one round trip: what a failed one wrote is rolled back.
    const transaction = async (work: (m: unknown) => Promise<unknown>) => {
      transactions.push({ states: [], appended: [], conversations: [] });
      try {
        return await work(manager);
      } catch (error) {
        transactions.pop();
        throw error;
      }
    };
    const writable = (r: StateUpdate) => r.expectedStatus.includes('in_progress');
    const repository = {
      inTransaction: transaction,
      inOneRoundTrip: transaction,
      updateStates: async (rows: StateUpdate[], inside?: unknown) => {
        expect(inside).toBe(manager);
        transactions[transactions.length - 1].states.push(...rows.filter(writable).map((r) => r.response.id));
        return rows.map(writable);
      },
      updateStatesAllOrNone: async (rows: StateUpdate[], inside?: unknown) => {
        expect(inside).toBe(manager);
        if (!rows.every(writable)) throw Object.assign(new Error('invalid input syntax for type integer: "final states written: 1"'), { code: '22P02' });
        transactions[transactions.length - 1].states.push(...rows.map((r) => r.response.id));
      },
    } as unknown as ResponsesRepository;
    const eventLog = {
      appendAll: async (entries: Array<{ responseId: string; events: SerializedEvent[]; notify: boolean }>, inside?: unknown) => {
        expect(inside).toBe(manager);
        transactions[transactions.length - 1].appended.push(
          ...entries.map((e) => ({ responseId: e.responseId, sequenceNumbers: e.events.map((ev) => ev.sequenceNumber), notify: e.notify })),
        );
      },
    } as unknown as EventLogService;
    const conversations = {
      append: async (appends: ConversationAppend[], inside?: unknown) => {
        expect(inside).toBe(manager);
        transactions[transactions.length - 1].conversations.push(...appends);
      },
    } as unknown as ConversationsService;
    const writes = new ResponseWrites(
      repository,
      eventLog,
      conversations,
      { sendsWebhook: () => false, record: async () => undefined } as unknown as WebhooksService,
      noUsage,
      availability,
      config,
    );
    const terminal = event(9, 'response.completed');
    const turn = (id: string): ConversationAppend => ({ conversationId: 'conv_1', items: [{ type: 'message', id }] });
    const answers = await Promise.all([
      writes.updateState(update('a'), { events: [event(7), event(8)], terminal, notify: true }, turn('msg_a')),
      // Ended elsewhere meanwhile: its waiting events are kept, its terminal event and its conversation's items are not.
      writes.updateState(update('b', ['queued']), { events: [event(5)], terminal: event(6, 'response.completed'), notify: false }, turn('msg_b')),
      writes.updateState(update('c'), undefined, turn('msg_c')),
    ]);
    expect(answers).toEqual([true, false, true]);
    // a alone, in one round trip; then b and c, whose round trip failed on b (ended elsewhere) and was rolled back,
    // written again in a transaction that learns which states were written.
    expect(transactions).toEqual([
      { states: ['a'], appended: [{ responseId: 'a', sequenceNumbers: [7, 8, 9], notify: true }], conversations: [turn('msg_a')] },
      { states: ['c'], appended: [{ responseId: 'b', sequenceNumbers: [5], notify: false }], conversations: [turn('msg_c')] },
    ]);
  });

  it('keeps a finished result through a database outage: the write is retried until the database answers again', async () => {
    let attempts = 0;
    const repository = {
      insertMany: async () => {
        attempts += 1;
        if (attempts <= 2) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        // The third attempt finds the row already there: the second had committed before its answer was lost.
        if (attempts === 3) throw Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
      },
    } as unknown as ResponsesRepository;
    const writes = new ResponseWrites(repository, noLog, noConversations, noWebhooks, noUsage, availability, config);
    await expect(writes.insert(row('a'))).resolves.toBeUndefined();
    expect(attempts).toBe(3);
  });

  it('gives a write up once the outage outlasts DATABASE_OUTAGE_RETRY_MS, and fails a refused statement at once', async () => {
    let attempts = 0;
    const down = {
      updateStates: async () => ((attempts += 1), Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), {}))),
    } as unknown as ResponsesRepository;
    const impatient = new ResponseWrites(down, noLog, noConversations, noWebhooks, noUsage, availability, { DATABASE_OUTAGE_RETRY_MS: 600 } as AppConfig);
    await expect(impatient.updateState(update('a'))).rejects.toThrow('Connection terminated');
    expect(attempts).toBeGreaterThan(1);
    const refused = {
      updateStates: async () => Promise.reject(Object.assign(new Error('check violation'), { code: '23514' })),
    } as unknown as ResponsesRepository;
    await expect(new ResponseWrites(refused, noLog, noConversations, noWebhooks, noUsage, availability, config).updateState(update('b'))).rejects.toThrow(
      'check violation',
    );
  });
});
