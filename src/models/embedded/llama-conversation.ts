import type { ChatHistoryItem, ChatModelFunctions } from 'node-llama-cpp' with { 'resolution-mode': 'import' };

import { ApiError } from '../../common/api-error';
import type { InputItem, Json, JsonObject } from '../../common/openai/types';
import { toolOutputText } from '../chat-messages';
import type { GenerationRequest } from '../generation';

export interface LlamaConversation {
  history: ChatHistoryItem[];
  /** The functions offered to the model; undefined when it may not call any. */
  functions?: ChatModelFunctions;
}

type Part = JsonObject & { type?: string };
type ModelItem = Extract<ChatHistoryItem, { type: 'model' }>;

/**
 * A Responses conversation as node-llama-cpp chat history, which the model's own chat template renders. A function
 * call and its output become one call-with-result in the model's turn, so that after the last output the model
 * goes on with the same turn, as it was trained to.
 */
export function toLlamaConversation(request: GenerationRequest): LlamaConversation {
  const outputs = new Map<string, string>();
  for (const item of request.input) if (item.type === 'function_call_output') outputs.set(String(item.call_id), toolOutputText(item.output));
  const history: ChatHistoryItem[] = [];
  if (request.instructions) history.push({ type: 'system', text: request.instructions });
  const modelTurn = (): ModelItem => {
    const last = history[history.length - 1];
    if (last?.type === 'model') return last;
    const item: ModelItem = { type: 'model', response: [] };
    history.push(item);
    return item;
  };
  request.input.forEach((item, index) => {
    switch (item.type ?? 'message') {
      case 'message': {
        const text = textOf(item, index);
        if (item.role === 'assistant') modelTurn().response.push(text);
        else if (item.role === 'system' || item.role === 'developer') history.push({ type: 'system', text });
        else history.push({ type: 'user', text });
        break;
      }
      case 'function_call': {
        const result = outputs.get(String(item.call_id));
        // A call nobody answered has nothing to show the model.
        if (result !== undefined) modelTurn().response.push({ type: 'functionCall', name: String(item.name), params: parseArguments(item.arguments), result });
        break;
      }
      default:
        // function_call_output is rendered with its call; earlier reasoning is not shown to the model again.
        break;
    }
  });
  return { history, functions: functionsOf(request) };
}

function functionsOf(request: GenerationRequest): ChatModelFunctions | undefined {
  if (request.toolChoice === 'none' || request.tools.length === 0) return undefined;
  const only = typeof request.toolChoice === 'object' ? request.toolChoice.name : undefined;
  const offered = request.tools.filter((tool) => !only || tool.name === only);
  return Object.fromEntries(
    offered.map((tool) => [tool.name, { description: tool.description ?? undefined, params: (tool.parameters ?? undefined) as never }]),
  );
}

function textOf(item: InputItem, index: number): string {
  const content = item.content;
  if (typeof content === 'string') return content;
  return (content as Part[])
    .map((part, partIndex) => {
      if (part.type === 'input_text' || part.type === 'output_text') return String(part.text);
      if (part.type === 'refusal') return String(part.refusal);
      throw ApiError.badRequest(`The embedded engine reads text only; '${part.type}' content is not supported.`, `input[${index}].content[${partIndex}].type`);
    })
    .join('');
}

function parseArguments(raw: Json | undefined): unknown {
  try {
    return JSON.parse(String(raw ?? '{}'));
  } catch {
    return {};
  }
}
