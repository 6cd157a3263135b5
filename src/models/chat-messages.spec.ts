import { ApiError } from '../common/api-error';
import { toChatMessages, toolOutputText } from './chat-messages';

describe('toChatMessages', () => {
  it('groups consecutive function calls into one assistant message', () => {
    const messages = toChatMessages(null, [
      { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' },
      { type: 'function_call', call_id: 'b', name: 'g', arguments: '{"x":1}' },
      { type: 'function_call_output', call_id: 'a', output: 'A' },
      { type: 'function_call_output', call_id: 'b', output: [{ type: 'output_text', text: 'B' }] },
    ]);
    expect(messages).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
          { id: 'b', type: 'function', function: { name: 'g', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'A' },
      { role: 'tool', tool_call_id: 'b', content: 'B' },
    ]);
  });

  it('keeps refusals and skips reasoning items', () => {
    const messages = toChatMessages('sys', [
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
    ]);
    expect(messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'assistant', content: '', refusal: 'No.' },
    ]);
  });

  it('refuses images given only by file id, naming the part', () => {
    expect(() => toChatMessages(null, [{ type: 'message', role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }])).toThrow(ApiError);
  });

  it('turns content-part outputs into text', () => {
    expect(
      toolOutputText([
        { type: 'output_text', text: 'It is ' },
        { type: 'output_text', text: '18:42.' },
      ]),
    ).toBe('It is 18:42.');
  });
});
