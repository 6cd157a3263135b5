import { dtoOf, eventsOf, objectOf, outputText, type ServiceContext, startServiceContext, STAYS } from '../../test/support/service-context';
import { ApiError } from '../common/api-error';
import { CreateResponseDto } from './dto/create-response.dto';
import { ResponsesService } from './responses.service';

/** Medium tests: the create, retrieve and delete use cases on real Postgres, in front of the stub upstream. */
describe('ResponsesService', () => {
  let context: ServiceContext;
  let responses: ResponsesService;
  const create = async (body: Record<string, unknown>) => responses.create('tenant-a', await dtoOf(CreateResponseDto, { model: 'stub-model', ...body }), STAYS);

  beforeAll(async () => {
    context = await startServiceContext();
    responses = context.app.get(ResponsesService);
  });
  afterAll(() => context.close());

  it('stores a response whole: it is retrieved as it was answered, with its input items', async () => {
    const answered = objectOf(await create({ input: 'Hi there' }));
    expect(answered).toMatchObject({ status: 'completed', store: true });
    expect(outputText(answered)).toBe('Hello! You said: Hi there');
    expect(await responses.retrieve('tenant-a', answered.id)).toEqual(answered);
    const items = await responses.listInputItems('tenant-a', answered.id, {});
    expect(items.data).toMatchObject([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi there' }] }]);
  });

  it('keeps nothing of a response with store: false', async () => {
    const answered = objectOf(await create({ input: 'Forget me', store: false }));
    expect(outputText(answered)).toBe('Hello! You said: Forget me');
    await expect(responses.retrieve('tenant-a', answered.id)).rejects.toMatchObject({ status: 404, code: 'response_not_found', param: 'response_id' });
  });

  it('gives the model the chain of previous_response_id, and no other tenant can read or chain it', async () => {
    const first = objectOf(await create({ input: 'My name is Ada.' }));
    const second = objectOf(await create({ input: 'What is my name?', previous_response_id: first.id }));
    expect(second.previous_response_id).toBe(first.id);
    const sent = context.stub.requests.at(-1)!.messages as Array<{ role: string; content: unknown }>;
    expect(sent.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(sent[1].content)).toContain('Hello! You said: My name is Ada.');
    await expect(responses.retrieve('tenant-b', first.id)).rejects.toBeInstanceOf(ApiError);
    await expect(
      responses.create('tenant-b', await dtoOf(CreateResponseDto, { model: 'stub-model', input: 'x', previous_response_id: first.id }), STAYS),
    ).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
  });

  it('streams the events in order, and the terminal event comes only once the final state can be read', async () => {
    const result = await create({ input: 'TOKENS 5', stream: true });
    if (result.kind !== 'stream') throw new Error('not a stream');
    const types: string[] = [];
    let readAtTerminal: Promise<{ status?: string | null }> | undefined;
    const done = new Promise<void>((resolve, reject) =>
      result.events.subscribe({
        next: (event) => {
          types.push(event.type);
          if (event.type === 'response.completed') {
            const { response } = JSON.parse(event.json) as { response: { id: string } };
            readAtTerminal = responses.retrieve('tenant-a', response.id);
          }
        },
        complete: resolve,
        error: reject,
      }),
    );
    await done;
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.filter((type) => type === 'response.output_text.delta')).toHaveLength(5);
    const events = await eventsOf(await create({ input: 'TOKENS 3', stream: true }));
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect((await readAtTerminal)?.status).toBe('completed');
  });

  it('refuses what it cannot do with the field at fault, before calling the model', async () => {
    const before = context.stub.requests.length;
    await expect(create({ input: 'x', background: true, store: false })).rejects.toMatchObject({ status: 400, param: 'store' });
    await expect(create({ input: 'x', prompt: { id: 'pmpt_1' } })).rejects.toMatchObject({ status: 400, param: 'prompt', code: 'unsupported_parameter' });
    expect(context.stub.requests.length).toBe(before);
  });

  it('deletes a response: it is gone for retrieve, its input items and chaining', async () => {
    const answered = objectOf(await create({ input: 'Short-lived' }));
    expect(await responses.delete('tenant-a', answered.id)).toEqual({ id: answered.id, object: 'response', deleted: true });
    await expect(responses.retrieve('tenant-a', answered.id)).rejects.toMatchObject({ status: 404 });
    await expect(responses.listInputItems('tenant-a', answered.id, {})).rejects.toMatchObject({ status: 404 });
    await expect(create({ input: 'x', previous_response_id: answered.id })).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
  });
});
