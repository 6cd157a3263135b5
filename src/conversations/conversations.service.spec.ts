import { dtoOf, objectOf, type ServiceContext, startServiceContext, STAYS } from '../../test/support/service-context';
import { CreateResponseDto } from '../responses/dto/create-response.dto';
import { ResponsesService } from '../responses/responses.service';
import { ConversationsService } from './conversations.service';

/** Medium tests: a conversation's items, and the turns the responses in it add. */
describe('ConversationsService', () => {
  let context: ServiceContext;
  let conversations: ConversationsService;
  let responses: ResponsesService;
  const texts = (items: unknown[]) => items.map((item) => JSON.stringify((item as { content: unknown }).content));

  beforeAll(async () => {
    context = await startServiceContext();
    conversations = context.app.get(ConversationsService);
    responses = context.app.get(ResponsesService);
  });
  afterAll(() => context.close());

  it('keeps items in the order they were added, pages them both ways, and deletes one', async () => {
    const conversation = await conversations.create('tenant-a', [{ type: 'message', role: 'user', content: 'one' }], { topic: 'numbers' });
    expect(conversation).toMatchObject({ object: 'conversation', metadata: { topic: 'numbers' } });
    await conversations.addItems('tenant-a', conversation.id, [
      { type: 'message', role: 'user', content: 'two' },
      { type: 'message', role: 'user', content: 'three' },
    ]);
    const ascending = await conversations.listItems('tenant-a', conversation.id, { order: 'asc', limit: 2 });
    expect(texts(ascending.data)).toEqual(['"one"', '"two"']);
    expect(ascending.has_more).toBe(true);
    const descending = await conversations.listItems('tenant-a', conversation.id, { order: 'desc' });
    expect(descending.data).toHaveLength(3);
    expect(JSON.stringify(descending.data[0])).toContain('three');
    await conversations.deleteItem('tenant-a', conversation.id, descending.data[1].id!);
    expect(JSON.stringify(await conversations.history('tenant-a', conversation.id))).not.toContain('two');
  });

  it('a response in the conversation reads its history and adds its turn', async () => {
    const conversation = await conversations.create('tenant-a', [{ type: 'message', role: 'user', content: 'My name is Ada.' }], {});
    const dto = await dtoOf(CreateResponseDto, { model: 'stub-model', conversation: conversation.id, input: 'What is my name?' });
    const answered = objectOf(await responses.create('tenant-a', dto, STAYS));
    expect(answered.conversation).toEqual({ id: conversation.id });
    const sent = JSON.stringify(context.stub.requests.at(-1)!.messages);
    expect(sent).toContain('My name is Ada.');
    const { items: history } = await conversations.history('tenant-a', conversation.id);
    expect(history.map((item) => (item as { role?: string }).role)).toEqual(['user', 'user', 'assistant']);
    expect(JSON.stringify(history.at(-1))).toContain('Hello! You said: What is my name?');
  });

  it('is the tenant’s own: another tenant neither reads it nor adds to it', async () => {
    const conversation = await conversations.create('tenant-a', [], {});
    await expect(conversations.retrieve('tenant-b', conversation.id)).rejects.toMatchObject({ status: 404, code: 'conversation_not_found' });
    await expect(conversations.addItems('tenant-b', conversation.id, [{ type: 'message', role: 'user', content: 'x' }])).rejects.toMatchObject({
      status: 404,
    });
    expect(await conversations.delete('tenant-a', conversation.id)).toMatchObject({ deleted: true });
    await expect(conversations.retrieve('tenant-a', conversation.id)).rejects.toMatchObject({ status: 404 });
  });
});
