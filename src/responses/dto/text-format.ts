import type { JsonObject, TextFormat } from '../../common/openai/types';
import type { CheckResult } from '../../common/validation';

/** `text.format`: plain text, any JSON object, or JSON matching a named schema. */
export function checkTextFormat(value: unknown, param = 'format'): CheckResult<TextFormat> {
  const at = `text.${param}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { param, message: `'${at}' must be an object.` };
  const format = value as Record<string, unknown>;
  switch (format.type) {
    case 'text':
      return { value: { type: 'text' } };
    case 'json_object':
      return { value: { type: 'json_object' } };
    case 'json_schema': {
      if (typeof format.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(format.name)) {
        return { param: `${param}.name`, message: `'${at}.name' must be 1-64 letters, digits, underscores or dashes.` };
      }
      if (typeof format.schema !== 'object' || format.schema === null || Array.isArray(format.schema)) {
        return { param: `${param}.schema`, message: `'${at}.schema' must be a JSON Schema object.` };
      }
      if (format.strict !== undefined && format.strict !== null && typeof format.strict !== 'boolean') {
        return { param: `${param}.strict`, message: `'${at}.strict' must be a boolean.` };
      }
      return {
        value: {
          type: 'json_schema',
          name: format.name,
          schema: format.schema as JsonObject,
          strict: format.strict ?? null,
          ...(typeof format.description === 'string' ? { description: format.description } : {}),
        },
      };
    }
    default:
      return { param: `${param}.type`, message: `'${at}.type' must be 'text', 'json_object' or 'json_schema'.` };
  }
}
