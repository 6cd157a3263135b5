import type { InputItem } from '../common/openai/types';

/**
 * Whether a backend refused a request because its input does not fit the model's context. Servers word it their own
 * way: OpenAI and Azure (`context_length_exceeded`), vLLM ("maximum context length", "maximum model length"),
 * llama.cpp's server (`exceed_context_size_error`), TGI ("must be <= N").
 */
export function isContextOverflow(code: string | null | undefined, message: string): boolean {
  return (
    code === 'context_length_exceeded' ||
    code === 'exceed_context_size_error' ||
    /context[ _]length|maximum model length|context (size|window)|exceeds? the available context|must be <= \d+/i.test(message)
  );
}

/**
 * The input without its oldest half of turns (a turn: a user message and what follows it until the next one), or
 * null when only the last turn, which holds the new input, is left. System and developer messages are kept where they
 * are; a function call never loses its output, as both belong to the turn that made the call.
 */
export function withoutOldestTurns(input: InputItem[]): InputItem[] | null {
  const starts = input.flatMap((item, index) => (isUserMessage(item) ? [index] : []));
  if (starts.length < 2) return null;
  const cut = starts[Math.ceil((starts.length - 1) / 2)];
  return [...input.slice(0, cut).filter(isInstruction), ...input.slice(cut)];
}

const isUserMessage = (item: InputItem) => (item.type ?? 'message') === 'message' && item.role === 'user';
const isInstruction = (item: InputItem) => (item.type ?? 'message') === 'message' && (item.role === 'system' || item.role === 'developer');
