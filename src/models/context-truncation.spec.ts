import type { InputItem } from '../common/openai/types';
import { isContextOverflow, withoutOldestTurns } from './context-truncation';

const user = (text: string): InputItem => ({ type: 'message', role: 'user', content: text });
const assistant = (text: string): InputItem => ({ type: 'message', role: 'assistant', content: text });
const names = (items: InputItem[] | null) => items?.map((item) => (item.type === 'message' ? `${String(item.role)}:${String(item.content)}` : item.type));

describe('context truncation', () => {
  it('knows the context errors of OpenAI, vLLM, llama.cpp and TGI, and no other 400', () => {
    expect(isContextOverflow('context_length_exceeded', 'Input too long')).toBe(true);
    expect(isContextOverflow(null, "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.")).toBe(true);
    expect(isContextOverflow(null, 'The decoder prompt (length 9000) is longer than the maximum model length of 8192.')).toBe(true);
    expect(isContextOverflow('exceed_context_size_error', 'request (9000 tokens) exceeds the available context size (8192 tokens)')).toBe(true);
    expect(isContextOverflow(null, 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096.')).toBe(true);
    expect(isContextOverflow('invalid_request', "'temperature' must be a number")).toBe(false);
  });

  it('drops the oldest half of the turns, keeping instructions and the last turn, a call with its output', () => {
    const input: InputItem[] = [
      { type: 'message', role: 'developer', content: 'Be brief.' },
      user('one'),
      assistant('1'),
      user('two'),
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c', output: 'x' },
      assistant('2'),
      user('three'),
      assistant('3'),
      user('four'),
    ];
    const once = withoutOldestTurns(input);
    expect(names(once)).toEqual(['developer:Be brief.', 'user:three', 'assistant:3', 'user:four']);
    expect(names(withoutOldestTurns(once!))).toEqual(['developer:Be brief.', 'user:four']);
    expect(withoutOldestTurns([user('only'), assistant('one turn')])).toBeNull();
  });
});
