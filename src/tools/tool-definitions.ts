import type { CheckResult } from '../common/validation';
import type { FunctionTool, JsonObject, ToolChoice } from '../common/openai/types';

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Accepts function tools in the Responses form `{type, name, description, parameters, strict}` and in the nested
 * Chat-Completions form `{type, function: {name, description, parameters, strict}}`; returns them in the Responses form.
 */
export function checkTools(value: unknown, param = 'tools'): CheckResult<FunctionTool[]> {
  if (!Array.isArray(value)) return { param, message: `'${param}' must be an array of tools.` };
  const tools: FunctionTool[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of value.entries()) {
    const at = `${param}[${index}]`;
    if (!isObject(raw)) return { param: at, message: `${at} must be an object.` };
    if (raw.type !== 'function') {
      return { param: `${at}.type`, message: `Tool type '${String(raw.type)}' is not supported by this server; only 'function' tools are.` };
    }
    const nested = isObject(raw.function);
    const body = nested ? (raw.function as Record<string, unknown>) : raw;
    const field = (name: string) => (nested ? `${at}.function.${name}` : `${at}.${name}`);
    const allowed = nested ? ['name', 'description', 'parameters', 'strict'] : ['type', 'name', 'description', 'parameters', 'strict'];
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
    if (seen.has(name)) return { param: field('name'), message: `Tool '${name}' is defined twice; tool names must be unique.` };
    seen.add(name);
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
    tools.push({
      type: 'function',
      name,
      description: (body.description as string | undefined) ?? null,
      parameters: (body.parameters as JsonObject | undefined) ?? null,
      strict: (body.strict as boolean | undefined) ?? null,
    });
  }
  return { value: tools };
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
  return { param, message: `'${param}' must be 'auto', 'none', 'required', {"type": "function", "name": "..."} or {"type": "allowed_tools", ...}.` };
}

/** `{type: "allowed_tools", mode: "auto" | "required", tools: [{type: "function", name}]}`. */
function checkAllowedTools(value: Record<string, unknown>, param: string): CheckResult<ToolChoice> {
  if (value.mode !== 'auto' && value.mode !== 'required') return { param: `${param}.mode`, message: `'${param}.mode' must be 'auto' or 'required'.` };
  if (!Array.isArray(value.tools) || value.tools.length === 0) return { param: `${param}.tools`, message: `'${param}.tools' must list the tools the model may call.` };
  const tools: Array<{ type: 'function'; name: string }> = [];
  for (const [index, tool] of value.tools.entries()) {
    if (!isObject(tool) || tool.type !== 'function' || typeof tool.name !== 'string' || tool.name === '') {
      return { param: `${param}.tools[${index}]`, message: 'Each allowed tool must be {"type": "function", "name": "..."}.' };
    }
    tools.push({ type: 'function', name: tool.name });
  }
  return { value: { type: 'allowed_tools', mode: value.mode, tools } };
}
