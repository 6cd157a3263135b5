import type { CustomTool, FunctionTool, FunctionToolChoice, JsonObject, NamespaceTool, OtherTool, ResponseTool, ToolChoice } from '../common/openai/types';
import type { CheckResult } from '../common/validation';
import { CLIENT_TOOLS, type ClientTool } from './client-tools';
import { type HostedTool, WEB_SEARCH_TYPES } from './hosted-tools';

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Tool types OpenAI defines that this server accepts without offering them to the model: the ones OpenAI runs itself
 * (unless this deployment runs them: see hosted-tools.ts) and the client-executed ones it does not translate for a
 * backend yet. A request that holds one is answered with the `X-Tools-Not-Offered` header, or refused with STRICT_TOOLS=true.
 */
export const NOT_OFFERED_TOOL_TYPES = new Set([
  'web_search',
  'web_search_preview',
  'web_search_2025_08_26',
  'web_search_preview_2025_03_11',
  'file_search',
  'code_interpreter',
  'image_generation',
  'computer_use_preview',
  'computer',
  'tool_search',
]);

/**
 * Accepts function tools in the Responses form `{type, name, description, parameters, strict, defer_loading}` and in
 * the nested Chat-Completions form `{type, function: {name, description, parameters, strict}}` (returned in the
 * Responses form), `namespace` groups of function tools, and the tool types of NOT_OFFERED_TOOL_TYPES as sent.
 */
export function checkTools(value: unknown, param = 'tools'): CheckResult<ResponseTool[]> {
  if (!Array.isArray(value)) return { param, message: `'${param}' must be an array of tools.` };
  const tools: ResponseTool[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of value.entries()) {
    const at = `${param}[${index}]`;
    if (!isObject(raw)) return { param: at, message: `${at} must be an object.` };
    if (raw.type === 'function') {
      const tool = checkFunction(raw, at, seen);
      if ('param' in tool) return tool;
      tools.push(tool.value);
    } else if (raw.type === 'custom') {
      const tool = checkCustom(raw, at, seen);
      if ('param' in tool) return tool;
      tools.push(tool.value);
    } else if (typeof raw.type === 'string' && raw.type in CLIENT_TOOLS) {
      const taken = claimName(raw.type, `${at}.type`, seen);
      if (taken) return taken;
      tools.push(raw as OtherTool);
    } else if (raw.type === 'namespace') {
      const tool = checkNamespace(raw, at, seen);
      if ('param' in tool) return tool;
      tools.push(tool.value);
    } else if (raw.type === 'mcp') {
      const problem = checkMcp(raw, at, seen);
      if (problem) return problem;
      tools.push(raw as OtherTool);
    } else if (typeof raw.type === 'string' && NOT_OFFERED_TOOL_TYPES.has(raw.type)) {
      // A hosted tool is offered under its function's name when this server runs it.
      const taken = WEB_SEARCH_TYPES.includes(raw.type) && claimName('web_search', `${at}.type`, seen);
      if (taken) return taken;
      tools.push(raw as OtherTool);
    } else {
      return { param: `${at}.type`, message: `Tool type '${String(raw.type)}' is not supported by this server.` };
    }
  }
  return { value: tools };
}

/** `{type: "custom", name, description, format: {type: "text"} | {type: "grammar", syntax: "lark" | "regex", definition}}`. */
function checkCustom(raw: Record<string, unknown>, at: string, seen: Set<string>): CheckResult<CustomTool> {
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name))
    return { param: `${at}.name`, message: `A custom tool needs a 'name' of 1-64 letters, digits, underscores or dashes.` };
  const taken = claimName(name, `${at}.name`, seen);
  if (taken) return taken;
  const unknown = Object.keys(raw).find((key) => !['type', 'name', 'description', 'format', 'defer_loading'].includes(key));
  if (unknown) return { param: `${at}.${unknown}`, message: `Unknown parameter: '${at}.${unknown}'.` };
  if (raw.description !== undefined && raw.description !== null && typeof raw.description !== 'string') {
    return { param: `${at}.description`, message: `Tool '${name}': 'description' must be a string.` };
  }
  const format = raw.format ?? { type: 'text' };
  if (isObject(format) && format.type === 'text')
    return { value: { type: 'custom', name, description: (raw.description as string | undefined) ?? null, format: { type: 'text' } } };
  if (isObject(format) && format.type === 'grammar' && (format.syntax === 'lark' || format.syntax === 'regex') && typeof format.definition === 'string') {
    return {
      value: {
        type: 'custom',
        name,
        description: (raw.description as string | undefined) ?? null,
        format: { type: 'grammar', syntax: format.syntax, definition: format.definition },
      },
    };
  }
  return {
    param: `${at}.format`,
    message: `Tool '${name}': 'format' must be {"type": "text"} or {"type": "grammar", "syntax": "lark" | "regex", "definition": "..."}.`,
  };
}

/**
 * `{type: "mcp", server_label, server_url | connector_id, headers, authorization, allowed_tools, require_approval, …}`:
 * a remote MCP server (run by this server; see McpRuns) or one of OpenAI's connectors (not offered). Labels are unique.
 */
function checkMcp(raw: Record<string, unknown>, at: string, seen: Set<string>): { param: string; message: string } | undefined {
  const label = raw.server_label;
  if (typeof label !== 'string' || !NAME.test(label))
    return { param: `${at}.server_label`, message: `An mcp tool needs a 'server_label' of 1-64 letters, digits, underscores or dashes.` };
  const taken = claimName(`mcp:${label}`, `${at}.server_label`, seen);
  if (taken) return { param: taken.param, message: `Two mcp tools have the server_label '${label}'.` };
  if (raw.server_url === undefined && typeof raw.connector_id === 'string') return undefined;
  let url: URL | undefined;
  try {
    url = typeof raw.server_url === 'string' ? new URL(raw.server_url) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return { param: `${at}.server_url`, message: `MCP server '${label}' needs a 'server_url' that is an http(s) URL.` };
  if (raw.headers !== undefined && raw.headers !== null && !(isObject(raw.headers) && Object.values(raw.headers).every((value) => typeof value === 'string'))) {
    return { param: `${at}.headers`, message: `MCP server '${label}': 'headers' must be an object of strings.` };
  }
  if (raw.authorization !== undefined && typeof raw.authorization !== 'string')
    return { param: `${at}.authorization`, message: `MCP server '${label}': 'authorization' must be a string.` };
  const approval = raw.require_approval;
  if (approval !== undefined && approval !== null && approval !== 'always' && approval !== 'never' && !isObject(approval)) {
    return {
      param: `${at}.require_approval`,
      message: `MCP server '${label}': 'require_approval' must be 'always', 'never' or {"always": {...}, "never": {...}}.`,
    };
  }
  const allowed = raw.allowed_tools;
  if (allowed !== undefined && allowed !== null && !isObject(allowed) && !(Array.isArray(allowed) && allowed.every((name) => typeof name === 'string'))) {
    return { param: `${at}.allowed_tools`, message: `MCP server '${label}': 'allowed_tools' must be a list of tool names or a filter.` };
  }
  return undefined;
}

/** `{type: "namespace", name, description, tools: [function tools]}`; its functions' names are unique within it. */
function checkNamespace(raw: Record<string, unknown>, at: string, seen: Set<string>): CheckResult<NamespaceTool> {
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name))
    return { param: `${at}.name`, message: `A namespace needs a 'name' of 1-64 letters, digits, underscores or dashes.` };
  const taken = claimName(name, `${at}.name`, seen);
  if (taken) return taken;
  if (raw.description !== undefined && raw.description !== null && typeof raw.description !== 'string') {
    return { param: `${at}.description`, message: `Namespace '${name}': 'description' must be a string.` };
  }
  if (!Array.isArray(raw.tools)) return { param: `${at}.tools`, message: `Namespace '${name}' needs its 'tools'.` };
  const inner = new Set<string>();
  const functions: FunctionTool[] = [];
  for (const [index, tool] of raw.tools.entries()) {
    const innerAt = `${at}.tools[${index}]`;
    if (!isObject(tool) || tool.type !== 'function') return { param: `${innerAt}.type`, message: `Namespace '${name}' may hold function tools only.` };
    const checked = checkFunction(tool, innerAt, inner);
    if ('param' in checked) return checked;
    functions.push(checked.value);
  }
  return { value: { type: 'namespace', name, description: (raw.description as string | undefined) ?? null, tools: functions } };
}

function checkFunction(raw: Record<string, unknown>, at: string, seen: Set<string>): CheckResult<FunctionTool> {
  const nested = isObject(raw.function);
  const body = nested ? (raw.function as Record<string, unknown>) : raw;
  const field = (name: string) => (nested ? `${at}.function.${name}` : `${at}.${name}`);
  const allowed = nested ? ['name', 'description', 'parameters', 'strict'] : ['type', 'name', 'description', 'parameters', 'strict', 'defer_loading'];
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown) return { param: field(unknown), message: `Unknown parameter: '${field(unknown)}'.` };
  if (nested && Object.keys(raw).some((key) => key !== 'type' && key !== 'function')) {
    return { param: at, message: `${at} mixes the nested 'function' form with top-level fields.` };
  }
  const name = body.name;
  if (typeof name !== 'string' || name.length === 0) return { param: field('name'), message: `Tool ${at} is missing its 'name'.` };
  if (!NAME.test(name)) {
    return { param: field('name'), message: `Tool '${name}': the name must be 1-64 letters, digits, underscores or dashes.` };
  }
  const taken = claimName(name, field('name'), seen);
  if (taken) return taken;
  if (body.description !== undefined && body.description !== null && typeof body.description !== 'string') {
    return { param: field('description'), message: `Tool '${name}': 'description' must be a string.` };
  }
  if (body.parameters !== undefined && body.parameters !== null) {
    const parameters = body.parameters;
    if (!isObject(parameters) || (parameters.type !== undefined && parameters.type !== 'object')) {
      return { param: field('parameters'), message: `Tool '${name}': 'parameters' must be a JSON Schema object ({"type": "object", ...}).` };
    }
  }
  if (body.strict !== undefined && body.strict !== null && typeof body.strict !== 'boolean') {
    return { param: field('strict'), message: `Tool '${name}': 'strict' must be a boolean.` };
  }
  if (body.defer_loading !== undefined && typeof body.defer_loading !== 'boolean') {
    return { param: field('defer_loading'), message: `Tool '${name}': 'defer_loading' must be a boolean.` };
  }
  return {
    value: {
      type: 'function',
      name,
      description: (body.description as string | undefined) ?? null,
      parameters: (body.parameters as JsonObject | undefined) ?? null,
      strict: (body.strict as boolean | undefined) ?? null,
    },
  };
}

/** Records a tool's name for the request; the problem when another of its tools has it already. */
function claimName(name: string, param: string, seen: Set<string>): { param: string; message: string } | undefined {
  if (seen.has(name)) return { param, message: `Tool '${name}' is defined twice; tool names must be unique.` };
  seen.add(name);
  return undefined;
}

/** Separates a namespace from its function's name in what the backend is offered (`multi_agent_v1__spawn`). */
export const NAMESPACE_SEPARATOR = '__';

/** A custom tool's free-text input, as the one string argument of the function a backend is offered for it. */
export const CUSTOM_INPUT_SCHEMA: JsonObject = {
  type: 'object',
  properties: { input: { type: 'string', description: "The tool's whole input, as free text." } },
  required: ['input'],
  additionalProperties: false,
};

/** What a request's tools offer a backend; see offeredFunctions. */
export interface ToolOffer {
  functions: FunctionTool[];
  /** A namespaced function's offered name → its namespace and name. */
  names: Map<string, { namespace: string; name: string }>;
  /** The custom tools' names. */
  custom: Set<string>;
  /** The client tools with fixed arguments, by offered name. */
  client: Map<string, ClientTool>;
  /** The hosted tools this server runs, by offered name. */
  hosted: Map<string, HostedTool>;
  /** The tool types left out. */
  notOffered: string[];
}

/**
 * The function tools a backend is offered for a request's tools: functions as they are, each namespace's functions
 * under `<namespace>__<name>`, each custom tool as a function of one string `input` whose description carries its
 * grammar, client tools and the hosted tools this server runs (`hostedTools`, by tool type) as their functions; a
 * remote MCP server's tools (with `remoteMcp`) are added by the run, which lists them. Tools of other
 * types are listed in `notOffered`.
 */
export function offeredFunctions(tools: ResponseTool[], hostedTools: ReadonlyMap<string, HostedTool> = new Map(), remoteMcp = false): ToolOffer {
  const offer: ToolOffer = { functions: [], names: new Map(), custom: new Set(), client: new Map(), hosted: new Map(), notOffered: [] };
  const { functions, names, custom, client, hosted, notOffered } = offer;
  for (const tool of tools) {
    if (tool.type === 'function') functions.push(tool as FunctionTool);
    else if (tool.type === 'custom') {
      const { name, description, format } = tool as CustomTool;
      custom.add(name);
      const grammar =
        format.type === 'grammar'
          ? `\n\nThe input must be in this ${format.syntax === 'lark' ? 'Lark grammar' : 'regular expression'}'s language:\n${format.definition}`
          : '';
      functions.push({ type: 'function', name, description: `${description ?? ''}${grammar}` || null, parameters: CUSTOM_INPUT_SCHEMA, strict: null });
    } else if (tool.type in CLIENT_TOOLS) {
      const clientTool = CLIENT_TOOLS[tool.type];
      client.set(clientTool.offered.name, clientTool);
      functions.push(clientTool.offered);
    } else if (tool.type === 'namespace') {
      const namespace = tool as NamespaceTool;
      for (const inner of namespace.tools) {
        const flat = `${namespace.name}${NAMESPACE_SEPARATOR}${inner.name}`;
        names.set(flat, { namespace: namespace.name, name: inner.name });
        functions.push({ ...inner, name: flat });
      }
    } else if (tool.type === 'mcp' && remoteMcp && typeof tool.server_url === 'string') {
      // Offered as the run lists the server's tools (see McpRuns).
    } else if (hostedTools.has(tool.type)) {
      const hostedTool = hostedTools.get(tool.type)!;
      hosted.set(hostedTool.offered.name, hostedTool);
      functions.push(hostedTool.offered);
    } else notOffered.push(tool.type);
  }
  offer.notOffered = [...new Set(notOffered)];
  return offer;
}

/** `auto`, `none`, `required`, `{type:"function", name}` (or the nested `{type:"function", function:{name}}`). */
export function checkToolChoice(value: unknown, param = 'tool_choice'): CheckResult<ToolChoice> {
  if (value === 'auto' || value === 'none' || value === 'required') return { value };
  if (isObject(value) && value.type === 'function') {
    const name = isObject(value.function) ? value.function.name : value.name;
    if (typeof name === 'string' && name.length > 0) return { value: { type: 'function', name } };
    return { param: `${param}.name`, message: `'${param}' of type 'function' needs the function's 'name'.` };
  }
  if (isObject(value) && value.type === 'allowed_tools') return checkAllowedTools(value, param);
  if (isObject(value) && value.type === 'custom') {
    if (typeof value.name === 'string' && value.name.length > 0) return { value: { type: 'custom', name: value.name } };
    return { param: `${param}.name`, message: `'${param}' of type 'custom' needs the tool's 'name'.` };
  }
  if (isObject(value) && value.type === 'mcp') {
    if (typeof value.server_label === 'string')
      return { value: { type: 'mcp', server_label: value.server_label, ...(typeof value.name === 'string' ? { name: value.name } : {}) } };
    return { param: `${param}.server_label`, message: `'${param}' of type 'mcp' needs the server's 'server_label'.` };
  }
  if (isObject(value) && typeof value.type === 'string' && TYPE_CHOICES.has(value.type)) return { value: { type: value.type } };
  return { param, message: `'${param}' must be 'auto', 'none', 'required', {"type": "function", "name": "..."} or {"type": "allowed_tools", ...}.` };
}

/** Tool choices that name a tool type (OpenAI's ToolChoiceTypes, the client tools, programmatic calling). */
const TYPE_CHOICES = new Set([
  'file_search',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'computer_use_preview',
  'image_generation',
  'code_interpreter',
  'apply_patch',
  'shell',
  'programmatic_tool_calling',
]);

/**
 * What a backend is told for a tool choice: a custom tool, apply_patch or shell become the function offered for them;
 * a choice of a tool that is not offered (OpenAI's own, MCP) leaves the choice to the model.
 */
export function backendToolChoice(choice: Exclude<ToolChoice, { type: 'allowed_tools' }>): FunctionToolChoice {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function' || choice.type === 'custom') return { type: 'function', name: choice.name! };
  if (choice.type in CLIENT_TOOLS) return { type: 'function', name: CLIENT_TOOLS[choice.type].offered.name };
  return 'auto';
}

/** `{type: "allowed_tools", mode: "auto" | "required", tools: [{type: "function", name}]}`. */
function checkAllowedTools(value: Record<string, unknown>, param: string): CheckResult<ToolChoice> {
  if (value.mode !== 'auto' && value.mode !== 'required') return { param: `${param}.mode`, message: `'${param}.mode' must be 'auto' or 'required'.` };
  if (!Array.isArray(value.tools) || value.tools.length === 0)
    return { param: `${param}.tools`, message: `'${param}.tools' must list the tools the model may call.` };
  const tools: Array<{ type: 'function'; name: string }> = [];
  for (const [index, tool] of value.tools.entries()) {
    if (!isObject(tool) || tool.type !== 'function' || typeof tool.name !== 'string' || tool.name === '') {
      return { param: `${param}.tools[${index}]`, message: 'Each allowed tool must be {"type": "function", "name": "..."}.' };
    }
    tools.push({ type: 'function', name: tool.name });
  }
  return { value: { type: 'allowed_tools', mode: value.mode, tools } };
}
