import type { GenerationRequest } from '../generation';
import { toLlamaConversation } from './llama-conversation';

const request = (overrides: Partial<GenerationRequest>): GenerationRequest => ({
  model: 'm',
  instructions: null,
  input: [],
  tools: [],
  toolChoice: 'auto',
  parallelToolCalls: true,
  textFormat: { type: 'text' },
  ...overrides,
});

const getTime = { type: 'function' as const, name: 'get_time', description: 'time', parameters: { type: 'object', properties: {} }, strict: null };
const getDate = { ...getTime, name: 'get_date' };

describe('toLlamaConversation', () => {
  it('puts instructions first and maps roles to system, user and model turns', () => {
    const { history, functions } = toLlamaConversation(
      request({
        instructions: 'Be brief.',
        input: [
          { type: 'message', role: 'developer', content: 'Use metric units.' },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello!' }] },
          { type: 'message', role: 'user', content: 'Bye' },
        ],
      }),
    );
    expect(history).toEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'system', text: 'Use metric units.' },
      { type: 'user', text: 'Hi' },
      { type: 'model', response: ['Hello!'] },
      { type: 'user', text: 'Bye' },
    ]);
    expect(functions).toBeUndefined();
  });

  it('joins each function call with its output in the model turn, and leaves unanswered calls out', () => {
    const { history } = toLlamaConversation(
      request({
        tools: [getTime],
        input: [
          { type: 'message', role: 'user', content: 'Time?' },
          { type: 'function_call', call_id: 'c1', name: 'get_time', arguments: '{"tz":"UTC"}' },
          { type: 'function_call', call_id: 'c2', name: 'get_time', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: 'It is noon.' },
        ],
      }),
    );
    expect(history).toEqual([
      { type: 'user', text: 'Time?' },
      { type: 'model', response: [{ type: 'functionCall', name: 'get_time', params: { tz: 'UTC' }, result: 'It is noon.' }] },
    ]);
  });

  it('offers the tools tool_choice allows', () => {
    expect(Object.keys(toLlamaConversation(request({ tools: [getTime, getDate] })).functions!)).toEqual(['get_time', 'get_date']);
    expect(Object.keys(toLlamaConversation(request({ tools: [getTime, getDate], toolChoice: { type: 'function', name: 'get_date' } })).functions!)).toEqual([
      'get_date',
    ]);
    expect(toLlamaConversation(request({ tools: [getTime], toolChoice: 'none' })).functions).toBeUndefined();
  });

  it('refuses content the engine cannot read, naming the part', () => {
    expect(() =>
      toLlamaConversation(request({ input: [{ type: 'message', role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] })),
    ).toThrow(expect.objectContaining({ status: 400, param: 'input[0].content[0].type' }));
  });
});
