import { newId } from '../ids';
import type { CheckResult } from '../validation';
import type { InputItem, Json } from './types';

const ROLES = ['user', 'assistant', 'system', 'developer'];
const PHASES = ['commentary', 'final_answer'];
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
type Problem = { param: string; message: string };

/**
 * Checks `input` (a string or a list of items) and normalizes it to full items: a string becomes one user message,
 * string contents become content parts, as OpenAI lists them under input_items.
 */
export function checkInput(value: unknown, param = 'input'): CheckResult<InputItem[]> {
  if (typeof value === 'string') return { value: [textMessage('user', value)] };
  if (!Array.isArray(value)) return { param, message: `'${param}' must be a string or an array of input items.` };
  const items: InputItem[] = [];
  for (const [index, raw] of value.entries()) {
    const at = `${param}[${index}]`;
    if (!isObject(raw)) return { param: at, message: `${at} must be an object.` };
    const result = checkItem(raw, at);
    if ('message' in result) return result;
    items.push(result.item);
  }
  return { value: items };
}

function checkItem(raw: Record<string, unknown>, at: string): { item: InputItem } | Problem {
  // An object with an id and neither type nor role references an item (`type` is optional there, as in OpenAI's API).
  const type = String(raw.type ?? (raw.role === undefined && raw.id !== undefined ? 'item_reference' : 'message'));
  switch (type) {
    case 'item_reference':
      if (typeof raw.id !== 'string' || raw.id === '') return { param: `${at}.id`, message: `An item_reference needs the 'id' of the item it references.` };
      return { item: { type: 'item_reference', id: raw.id } };
    case 'message':
      return checkMessage(raw, at);
    case 'function_call':
      for (const field of ['call_id', 'name', 'arguments']) {
        if (typeof raw[field] !== 'string') return { param: `${at}.${field}`, message: `A function_call item needs a string '${field}'.` };
      }
      return { item: pick(raw, ['type', 'id', 'call_id', 'name', 'arguments', 'status', 'namespace']) };
    case 'function_call_output':
      if (typeof raw.call_id !== 'string' || raw.call_id === '') {
        return { param: `${at}.call_id`, message: `A function_call_output item needs the 'call_id' of the call it answers.` };
      }
      if (typeof raw.output !== 'string' && !Array.isArray(raw.output)) {
        return { param: `${at}.output`, message: `'output' must be a string or an array of content parts.` };
      }
      if (Array.isArray(raw.output)) {
        const problem = checkToolOutputParts(raw.output, `${at}.output`);
        if (problem) return problem;
      }
      return { item: pick(raw, ['type', 'id', 'call_id', 'output', 'status']) };
    case 'custom_tool_call':
      for (const field of ['call_id', 'name', 'input']) {
        if (typeof raw[field] !== 'string') return { param: `${at}.${field}`, message: `A custom_tool_call item needs a string '${field}'.` };
      }
      return { item: pick(raw, ['type', 'id', 'call_id', 'name', 'input', 'status']) };
    case 'custom_tool_call_output': {
      if (typeof raw.call_id !== 'string' || raw.call_id === '') {
        return { param: `${at}.call_id`, message: `A custom_tool_call_output item needs the 'call_id' of the call it answers.` };
      }
      if (typeof raw.output !== 'string' && !Array.isArray(raw.output))
        return { param: `${at}.output`, message: `'output' must be a string or an array of content parts.` };
      const problem = Array.isArray(raw.output) ? checkToolOutputParts(raw.output, `${at}.output`) : null;
      return problem ?? { item: pick(raw, ['type', 'id', 'call_id', 'output']) };
    }
    case 'local_shell_call':
    case 'shell_call':
    case 'apply_patch_call': {
      if (typeof raw.call_id !== 'string' || raw.call_id === '') return { param: `${at}.call_id`, message: `A ${type} item needs its 'call_id'.` };
      const field = type === 'apply_patch_call' ? 'operation' : 'action';
      if (!isObject(raw[field])) return { param: `${at}.${field}`, message: `A ${type} item needs its '${field}'.` };
      return { item: pick(raw, ['type', 'id', 'call_id', field, 'status', 'environment']) };
    }
    case 'local_shell_call_output':
    case 'shell_call_output':
    case 'apply_patch_call_output': {
      // local_shell_call_output names its call by `id`, as OpenAI defines it; the others by `call_id`.
      const reference = type === 'local_shell_call_output' ? (raw.call_id ?? raw.id) : raw.call_id;
      if (typeof reference !== 'string' || reference === '')
        return { param: `${at}.call_id`, message: `A ${type} item needs the 'call_id' of the call it answers.` };
      return { item: { ...pick(raw, ['type', 'id', 'output', 'status', 'max_output_length']), call_id: reference } };
    }
    case 'reasoning':
      return { item: pick(raw, ['type', 'id', 'summary', 'content', 'encrypted_content', 'status']) };
    case 'web_search_call':
      if (typeof raw.id !== 'string' || raw.id === '') return { param: `${at}.id`, message: `A web_search_call item needs its 'id'.` };
      return { item: pick(raw, ['type', 'id', 'status', 'action']) };
    case 'mcp_list_tools':
      if (typeof raw.server_label !== 'string' || !Array.isArray(raw.tools))
        return { param: at, message: `An mcp_list_tools item needs its 'server_label' and 'tools'.` };
      return { item: pick(raw, ['type', 'id', 'server_label', 'tools', 'error']) };
    case 'mcp_call':
    case 'mcp_approval_request':
      for (const field of ['server_label', 'name', 'arguments']) {
        if (typeof raw[field] !== 'string') return { param: `${at}.${field}`, message: `An ${type} item needs a string '${field}'.` };
      }
      return { item: pick(raw, ['type', 'id', 'server_label', 'name', 'arguments', 'output', 'error', 'status', 'approval_request_id']) };
    case 'mcp_approval_response':
      if (typeof raw.approval_request_id !== 'string' || raw.approval_request_id === '') {
        return { param: `${at}.approval_request_id`, message: `An mcp_approval_response item needs the 'approval_request_id' of the request it answers.` };
      }
      if (typeof raw.approve !== 'boolean') return { param: `${at}.approve`, message: `An mcp_approval_response item needs 'approve': true or false.` };
      return { item: pick(raw, ['type', 'id', 'approval_request_id', 'approve', 'reason']) };
    case 'compaction':
      // Whether this server sealed it for this tenant is checked where the tenant is known (ResponseInputs).
      if (typeof raw.encrypted_content !== 'string') return { param: `${at}.encrypted_content`, message: `A compaction item needs its 'encrypted_content'.` };
      return { item: pick(raw, ['type', 'id', 'encrypted_content']) };
    default:
      return { param: `${at}.type`, message: `Input items of type '${String(type)}' are not supported by this server.` };
  }
}

function checkMessage(raw: Record<string, unknown>, at: string): { item: InputItem } | Problem {
  const role = raw.role;
  if (typeof role !== 'string' || !ROLES.includes(role)) {
    return { param: `${at}.role`, message: `'role' must be one of ${ROLES.map((r) => `'${r}'`).join(', ')}.` };
  }
  const extra = Object.keys(raw).find((key) => !['type', 'id', 'role', 'content', 'status', 'phase'].includes(key));
  if (extra) return { param: `${at}.${extra}`, message: `Unknown parameter: '${at}.${extra}'.` };
  if (raw.phase != null && !PHASES.includes(raw.phase as string)) {
    return { param: `${at}.phase`, message: `'phase' must be one of ${PHASES.map((p) => `'${p}'`).join(', ')}.` };
  }
  // An assistant message's phase (commentary or final answer) is kept, for clients that resend it as they got it.
  const kept = { ...(typeof raw.id === 'string' ? { id: raw.id } : {}), ...(raw.phase != null ? { phase: raw.phase as string } : {}) };
  if (typeof raw.content === 'string') return { item: { ...textMessage(role, raw.content), ...kept } };
  if (!Array.isArray(raw.content)) return { param: `${at}.content`, message: `'content' must be a string or an array of content parts.` };
  for (const [index, part] of raw.content.entries()) {
    const problem = checkPart(part, `${at}.content[${index}]`, role);
    if (problem) return problem;
  }
  return { item: { type: 'message', role, content: raw.content as Json[], ...kept } };
}

/** The content parts a tool's output may hold: text (input_text, or output_text as older clients send it), images, files. */
const TOOL_OUTPUT_PARTS = ['input_text', 'output_text', 'input_image', 'input_file'];

/** The first problem with a tool output's content parts, or null. */
export function checkToolOutputParts(parts: unknown[], at: string): Problem | null {
  for (const [index, part] of parts.entries()) {
    const param = `${at}[${index}]`;
    if (isObject(part) && !TOOL_OUTPUT_PARTS.includes(part.type as string)) {
      return {
        param: `${param}.type`,
        message: `A tool output's content parts are ${TOOL_OUTPUT_PARTS.map((t) => `'${t}'`).join(', ')}; not '${String(part.type)}'.`,
      };
    }
    const problem = checkPart(part, param, 'assistant');
    if (problem) return problem;
  }
  return null;
}

function checkPart(part: unknown, at: string, role: string): Problem | null {
  if (!isObject(part)) return { param: at, message: `${at} must be an object.` };
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      if (typeof part.text !== 'string') return { param: `${at}.text`, message: `A ${part.type} part needs a string 'text'.` };
      if (part.type === 'output_text' && role !== 'assistant') return { param: `${at}.type`, message: `'output_text' parts belong to assistant messages.` };
      return null;
    case 'refusal':
      return typeof part.refusal === 'string' ? null : { param: `${at}.refusal`, message: `A refusal part needs a string 'refusal'.` };
    case 'input_image':
      if (typeof part.image_url !== 'string' && typeof part.file_id !== 'string') {
        return { param: `${at}.image_url`, message: `An input_image part needs an 'image_url'.` };
      }
      return null;
    case 'input_file':
      return null;
    default:
      return { param: `${at}.type`, message: `Content parts of type '${String(part.type)}' are not supported.` };
  }
}

function textMessage(role: string, text: string): InputItem {
  return { type: 'message', role, content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text }] };
}

function pick(raw: Record<string, unknown>, keys: string[]): InputItem {
  return Object.fromEntries(keys.filter((key) => raw[key] !== undefined).map((key) => [key, raw[key]])) as InputItem;
}

const ID_PREFIXES: Record<string, Parameters<typeof newId>[0]> = {
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  local_shell_call: 'lsc',
  shell_call: 'shc',
  apply_patch_call: 'apc',
  local_shell_call_output: 'item',
  shell_call_output: 'item',
  apply_patch_call_output: 'item',
  reasoning: 'rs',
  compaction: 'cmp',
  web_search_call: 'ws',
  mcp_list_tools: 'mcpl',
  mcp_call: 'mcp',
  mcp_approval_request: 'mcpr',
  mcp_approval_response: 'mcpa',
};

/** Input items get ids as OpenAI lists them (msg_…, fc_…, fco_…), unless the client gave one. */
export function withIds(items: InputItem[]): InputItem[] {
  return items.map((item) => {
    if (typeof item.id === 'string' && item.id) return item;
    const prefix = ID_PREFIXES[item.type] ?? 'msg';
    return { id: newId(prefix), ...item };
  });
}
