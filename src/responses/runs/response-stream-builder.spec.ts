import type { JsonObject, ResponseObject } from '../../common/openai/types';
import { ResponseStreamBuilder } from './response-stream-builder';

const skeleton = () =>
  ({ id: 'resp_1', output: [], status: 'in_progress', usage: null, error: null, incomplete_details: null, completed_at: null }) as unknown as ResponseObject;
const parse = (events: Array<{ json: string }>) => events.map((event) => JSON.parse(event.json));

describe('ResponseStreamBuilder', () => {
  it('opens an item that becomes whole later, and closes it at its own output index with the item as it ended', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: false });
    const first = { id: 'mcpl_1', type: 'mcp_list_tools', server_label: 'one', tools: [] as JsonObject[] };
    const second = { id: 'mcpl_2', type: 'mcp_list_tools', server_label: 'two', tools: [] as JsonObject[] };
    const opened = [...builder.openItem(first, { ...first }, [{ type: 'response.mcp_list_tools.in_progress' }]), ...builder.openItem(second, { ...second })];
    first.tools = [{ name: 'echo' }];
    const closed = builder.closeItem(first, [{ type: 'response.mcp_list_tools.completed' }]);
    const parsed = [...opened, ...closed].map((event) => JSON.parse(event.json) as Record<string, unknown>);
    expect(parsed.map((event) => [event.type, event.output_index, event.sequence_number])).toEqual([
      ['response.output_item.added', 0, 0],
      ['response.mcp_list_tools.in_progress', 0, 1],
      ['response.output_item.added', 1, 2],
      ['response.mcp_list_tools.completed', 0, 3],
      ['response.output_item.done', 0, 4],
    ]);
    expect(parsed[0].item).toMatchObject({ tools: [] });
    expect(parsed[4].item).toMatchObject({ tools: [{ name: 'echo' }] });
  });

  it('ends an item still being made as its cut says when the response ends first, and only that one', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: false });
    const done = { id: 'mcpl_1', type: 'mcp_list_tools', server_label: 'one', tools: [] as JsonObject[] };
    const cutShort: JsonObject & { id: string; type: string } = { id: 'mcpl_2', type: 'mcp_list_tools', server_label: 'two', tools: [] };
    const cut = () => {
      cutShort.error = 'cut';
      return [{ type: 'response.mcp_list_tools.failed' }];
    };
    builder.openItem(done, { ...done }, [], () => [{ type: 'never.told' }]);
    builder.openItem(cutShort, { ...cutShort }, [], cut);
    builder.closeItem(done);
    const ended = builder.cancel().map((event) => JSON.parse(event.json) as Record<string, unknown>);
    expect(ended.map((event) => [event.type, event.output_index])).toEqual([
      ['response.mcp_list_tools.failed', 1],
      ['response.output_item.done', 1],
      ['response.cancelled', undefined],
    ]);
    expect(ended[1].item).toEqual({ ...cutShort, error: 'cut' });
    expect(builder.response.output[1]).toMatchObject({ error: 'cut' });
  });

  it('opens with response.created and response.in_progress, each the whole response as JSON would write it', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: false });
    const [created, inProgress] = builder.created();
    expect(created.json).toBe(JSON.stringify({ type: 'response.created', response: builder.response, sequence_number: 0 }));
    expect(inProgress.json).toBe(JSON.stringify({ type: 'response.in_progress', response: builder.response, sequence_number: 1 }));
    expect([created, inProgress].map((event) => [event.type, event.sequenceNumber])).toEqual([
      ['response.created', 0],
      ['response.in_progress', 1],
    ]);
  });

  it('interleaves text and parallel tool calls into items with the right indexes', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: true });
    const events = parse([
      ...builder.created(),
      ...builder.push({ type: 'text', delta: 'Let me check.' }),
      ...builder.push({ type: 'tool_call', index: 0, callId: 'call_a', name: 'weather', argumentsDelta: '{"city":' }),
      ...builder.push({ type: 'tool_call', index: 1, callId: 'call_b', name: 'weather', argumentsDelta: '{"city":"Oslo"}' }),
      ...builder.push({ type: 'tool_call', index: 0, argumentsDelta: '"Rome"}' }),
      ...builder.push({ type: 'finish', reason: 'tool_calls' }),
      ...builder.complete(),
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(builder.response.output.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call']);
    const [message, first, second] = builder.response.output as any[];
    expect(first).toMatchObject({ call_id: 'call_a', arguments: '{"city":"Rome"}', status: 'completed' });
    expect(second).toMatchObject({ call_id: 'call_b', arguments: '{"city":"Oslo"}', status: 'completed' });
    // The message closes before the first call opens.
    const types = events.map((e) => `${e.type}@${e.output_index ?? ''}`);
    expect(types.indexOf('response.output_item.done@0')).toBeLessThan(types.indexOf('response.output_item.added@1'));
    const argDeltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
    expect(argDeltas.map((e) => [e.item_id, e.output_index])).toEqual([
      [first.id, 1],
      [second.id, 2],
      [first.id, 1],
    ]);
    const legacy = events.filter((e) => e.type === 'response.tool_call.delta').at(-1);
    expect(JSON.parse(legacy.delta)).toEqual([
      { id: 'call_a', type: 'function', name: 'weather', arguments: '{"city":"Rome"}' },
      { id: 'call_b', type: 'function', name: 'weather', arguments: '{"city":"Oslo"}' },
    ]);
    expect(message.content[0].text).toBe('Let me check.');
    expect(events.at(-1).type).toBe('response.completed');
  });

  it('writes every text delta with its item, indexes, delta and sequence number, also after a refusal or a call', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: false });
    const events = parse([
      ...builder.push({ type: 'text', delta: 'He said "hi"' }),
      ...builder.push({ type: 'text', delta: '\n\u00e9' }),
      ...builder.push({ type: 'refusal', delta: 'No.' }),
      ...builder.push({ type: 'text', delta: 'But' }),
      ...builder.push({ type: 'tool_call', index: 0, callId: 'c', name: 'f', argumentsDelta: '{}' }),
      ...builder.push({ type: 'text', delta: 'Then' }),
      ...builder.push({ type: 'text', delta: ' more' }),
      ...builder.complete(),
    ]);
    const [first, , second] = builder.response.output as any[];
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas).toEqual([
      { type: 'response.output_text.delta', item_id: first.id, output_index: 0, content_index: 0, delta: 'He said "hi"', logprobs: [], sequence_number: 2 },
      { type: 'response.output_text.delta', item_id: first.id, output_index: 0, content_index: 0, delta: '\n\u00e9', logprobs: [], sequence_number: 3 },
      expect.objectContaining({ item_id: first.id, content_index: 2, delta: 'But' }),
      expect.objectContaining({ item_id: second.id, output_index: 2, content_index: 0, delta: 'Then' }),
      expect.objectContaining({ item_id: second.id, output_index: 2, content_index: 0, delta: ' more' }),
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(first.content.map((part: any) => part.text ?? part.refusal)).toEqual(['He said "hi"\n\u00e9', 'No.', 'But']);
    expect(second.content[0].text).toBe('Then more');
  });

  it('drops calls beyond max_tool_calls', () => {
    const response = { ...skeleton(), max_tool_calls: 1 } as ResponseObject;
    const builder = new ResponseStreamBuilder(response, -1, { toolCallDeltaEvents: false });
    builder.push({ type: 'tool_call', index: 0, callId: 'a', name: 'f', argumentsDelta: '{}' });
    const dropped = builder.push({ type: 'tool_call', index: 1, callId: 'b', name: 'f', argumentsDelta: '{}' });
    builder.complete();
    expect(dropped).toEqual([]);
    expect(builder.response.output.map((item) => (item as { call_id: string }).call_id)).toEqual(['a']);
  });

  it('leaves out response.tool_call.delta in strict mode', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: false });
    const events = parse([...builder.push({ type: 'tool_call', index: 0, callId: 'c', name: 'f', argumentsDelta: '{}' }), ...builder.complete()]);
    expect(events.map((e) => e.type)).not.toContain('response.tool_call.delta');
  });

  it('continues sequence numbers and output indexes for a continuation', () => {
    const response = skeleton();
    response.output.push({ id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'c', name: 'f', arguments: '{}' });
    const builder = new ResponseStreamBuilder(response, 9, { toolCallDeltaEvents: false });
    const events = parse([...builder.inProgress(), ...builder.push({ type: 'text', delta: 'Done' }), ...builder.complete()]);
    expect(events[0]).toMatchObject({ type: 'response.in_progress', sequence_number: 10 });
    expect(events.find((e) => e.type === 'response.output_text.delta')).toMatchObject({ output_index: 1, content_index: 0 });
  });

  it('marks a cut-short response incomplete with the reason', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: false });
    builder.push({ type: 'text', delta: 'Once upon' });
    builder.push({ type: 'finish', reason: 'length' });
    const events = parse(builder.complete());
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
    expect(builder.response.output[0]).toMatchObject({ status: 'incomplete' });
  });

  it('fails with an error body and keeps the partial output', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: false });
    builder.push({ type: 'text', delta: 'Half' });
    const events = parse(builder.fail({ code: 'server_error', message: 'boom' }));
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'boom' } } });
    expect((builder.response.output[0] as any).content[0].text).toBe('Half');
  });

  it('streams and keeps the same storable text when the model emits NUL or splits a surrogate pair across chunks', () => {
    const builder = new ResponseStreamBuilder(skeleton(), -1, { toolCallDeltaEvents: true });
    const events = parse([
      ...builder.created(),
      ...builder.push({ type: 'reasoning', delta: 'think\u0000' }),
      ...builder.push({ type: 'text', delta: 'smile \ud83d' }),
      ...builder.push({ type: 'text', delta: '\ude00 a\u0000b \udc00' }),
      ...builder.push({ type: 'text', delta: 'end \ud83d' }),
      ...builder.push({ type: 'tool_call', index: 0, callId: 'call_\u0000', name: 'f', argumentsDelta: '{"e":"\ud83d' }),
      ...builder.push({ type: 'tool_call', index: 0, argumentsDelta: '\ude00"}' }),
      ...builder.complete(),
    ]);
    // Every event's JSON is what Postgres stores: no NUL, no lone surrogate.
    for (const event of events) expect(JSON.stringify(event)).not.toMatch(/\\u0000|\\ud[89ab]|\\udc/);
    const [reasoning, message, call] = builder.response.output as any[];
    expect(reasoning.content[0].text).toBe('think\ufffd');
    expect(message.content[0].text).toBe('smile \ud83d\ude00 a\ufffdb \ufffdend \ufffd');
    expect(call).toMatchObject({ call_id: 'call_\ufffd', arguments: '{"e":"\ud83d\ude00"}' });
    // The deltas add up to the done text: the stream and the stored response agree.
    const deltas = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    expect(deltas).toBe(message.content[0].text);
    expect(events.find((e) => e.type === 'response.output_text.done').text).toBe(message.content[0].text);
    const argDeltas = events
      .filter((e) => e.type === 'response.function_call_arguments.delta')
      .map((e) => e.delta)
      .join('');
    expect(argDeltas).toBe(call.arguments);
  });
});
