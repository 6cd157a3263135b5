import type { ChatCompletionContentPart, ChatCompletionMessageParam, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';

import { ApiError } from '../common/api-error';
import type { InputItem, Json, JsonObject } from '../common/openai/types';
import { clientToolOfItem } from '../tools/client-tools';
import { NAMESPACE_SEPARATOR } from '../tools/tool-definitions';

type Part = JsonObject & { type?: string };

/**
 * Translates a Responses conversation into Chat Completions messages. `developer` becomes `system`, which every
 * OpenAI-compatible server understands; consecutive function calls become one assistant message with tool_calls.
 */
export function toChatMessages(instructions: string | null, items: InputItem[]): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  // An MCP approval request goes to the model as the call it asked for, with the user's answer as its result; one
  // not answered (yet) is left out, as a call without a result is refused by Chat Completions servers.
  const answered = new Set(items.filter((item) => item.type === 'mcp_approval_response').map((item) => String(item.approval_request_id)));
  const requested = new Set(items.filter((item) => item.type === 'mcp_approval_request').map((item) => String(item.id)));
  if (instructions) messages.push({ role: 'system', content: instructions });
  items.forEach((item, index) => {
    const type = item.type ?? 'message';
    switch (type) {
      case 'message':
        messages.push(messageToChat(item, index));
        break;
      case 'function_call':
        appendToolCall(messages, {
          id: String(item.call_id),
          type: 'function',
          // A namespaced function's call goes back under the name the backend was offered (see offeredFunctions).
          function: {
            name: item.namespace ? `${String(item.namespace)}${NAMESPACE_SEPARATOR}${String(item.name)}` : String(item.name),
            arguments: String(item.arguments ?? ''),
          },
        });
        break;
      case 'custom_tool_call':
        // Offered to the backend as a function of one string `input` (see offeredFunctions).
        appendToolCall(messages, {
          id: String(item.call_id),
          type: 'function',
          function: { name: String(item.name), arguments: JSON.stringify({ input: String(item.input ?? '') }) },
        });
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: toolOutputText(item.output) });
        break;
      case 'local_shell_call':
      case 'shell_call':
      case 'apply_patch_call': {
        // Offered to the backend as a function named as the tool type (see client-tools.ts).
        const tool = clientToolOfItem(type)!;
        appendToolCall(messages, {
          id: String(item.call_id),
          type: 'function',
          function: { name: tool.offered.name, arguments: JSON.stringify(tool.argumentsOf(item)) },
        });
        break;
      }
      case 'local_shell_call_output':
      case 'shell_call_output':
      case 'apply_patch_call_output':
        messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: clientToolOfItem(type)!.outputText(item) });
        break;
      case 'reasoning':
        // Chat Completions has no place for earlier reasoning; models do not need it back.
        break;
      case 'web_search_call':
      case 'mcp_list_tools':
        // An earlier search: its results were the model's within that response, and its answer (next) holds what it
        // used. A listing: the tools are offered to the model, not told.
        break;
      case 'mcp_call':
        appendToolCall(messages, {
          id: String(item.id),
          type: 'function',
          function: { name: mcpOfferedName(item), arguments: String(item.arguments ?? '{}') },
        });
        messages.push({
          role: 'tool',
          tool_call_id: String(item.id),
          content: typeof item.output === 'string' ? item.output : `The call failed: ${mcpErrorText(item.error)}`,
        });
        break;
      case 'mcp_approval_request':
        if (answered.has(String(item.id)))
          appendToolCall(messages, {
            id: String(item.id),
            type: 'function',
            function: { name: mcpOfferedName(item), arguments: String(item.arguments ?? '{}') },
          });
        break;
      case 'mcp_approval_response':
        if (!requested.has(String(item.approval_request_id))) break;
        messages.push({
          role: 'tool',
          tool_call_id: String(item.approval_request_id),
          content:
            item.approve === true
              ? 'The user approved this call; it is made next.'
              : `The user refused this call${typeof item.reason === 'string' && item.reason ? `: ${item.reason}` : '.'}`,
        });
        break;
      default:
        throw ApiError.badRequest(`Input items of type '${type}' are not supported by this server.`, `input[${index}].type`, 'unsupported_item_type');
    }
  });
  return messages;
}

function messageToChat(item: InputItem, index: number): ChatCompletionMessageParam {
  const role = String(item.role);
  const content = item.content;
  if (role === 'assistant') {
    const parts = typeof content === 'string' ? [{ type: 'output_text', text: content }] : (content as Part[]);
    const text = parts
      .filter((p) => p.type === 'output_text' || p.type === 'input_text')
      .map((p) => String(p.text))
      .join('');
    const refusal = parts
      .filter((p) => p.type === 'refusal')
      .map((p) => String(p.refusal))
      .join('');
    return { role: 'assistant', content: text, ...(refusal ? { refusal } : {}) };
  }
  const chatRole = role === 'developer' ? 'system' : (role as 'user' | 'system');
  if (typeof content === 'string') return { role: chatRole, content };
  const parts = (content as Part[]).map((part, partIndex) => partToChat(part, `input[${index}].content[${partIndex}]`));
  if (chatRole === 'system') return { role: 'system', content: parts.map((p) => ('text' in p ? p.text : '')).join('') };
  return { role: 'user', content: parts };
}

function partToChat(part: Part, param: string): ChatCompletionContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: String(part.text) };
    case 'input_image':
      if (typeof part.image_url !== 'string') {
        throw ApiError.badRequest('input_image needs an image_url (a URL or a data: URL); file_id is not supported.', `${param}.image_url`);
      }
      return { type: 'image_url', image_url: { url: part.image_url, detail: (part.detail as 'auto' | 'low' | 'high') ?? 'auto' } };
    case 'input_file':
      if (typeof part.file_data !== 'string') throw ApiError.badRequest('input_file needs file_data; file_id is not supported.', `${param}.file_data`);
      return { type: 'file', file: { file_data: part.file_data, filename: part.filename as string | undefined } };
    default:
      throw ApiError.badRequest(`Content parts of type '${part.type}' are not supported.`, `${param}.type`);
  }
}

/** The name an MCP server's tool is offered by (see offeredName in mcp-tools.ts). */
function mcpOfferedName(item: InputItem): string {
  return `${String(item.server_label)}${NAMESPACE_SEPARATOR}${String(item.name)}`;
}

function mcpErrorText(error: Json | undefined): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && !Array.isArray(error) && typeof error.message === 'string') return error.message;
  return JSON.stringify(error ?? 'unknown error');
}

function appendToolCall(messages: ChatCompletionMessageParam[], call: ChatCompletionMessageToolCall): void {
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') {
    last.tool_calls = [...(last.tool_calls ?? []), call];
    return;
  }
  messages.push({ role: 'assistant', content: null, tool_calls: [call] });
}

/** A function_call_output's output is a string or content parts; chat tool messages take text. */
export function toolOutputText(output: Json | undefined): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output.map((part) => (part && typeof part === 'object' && !Array.isArray(part) && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return JSON.stringify(output ?? '');
}
