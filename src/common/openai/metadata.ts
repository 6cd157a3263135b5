import type { CheckResult } from '../validation';

/** OpenAI's metadata limits: at most 16 string pairs, keys up to 64 characters, values up to 512. */
export function checkMetadata(value: unknown, param = 'metadata'): CheckResult<Record<string, string>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { param, message: `'${param}' must be an object of string pairs.` };
  const entries = Object.entries(value);
  if (entries.length > 16) return { param, message: `'${param}' may hold at most 16 pairs; it has ${entries.length}.` };
  for (const [key, item] of entries) {
    if (key.length > 64) return { param: `${param}.${key}`, message: `Metadata keys may be at most 64 characters long.` };
    if (typeof item !== 'string') return { param: `${param}.${key}`, message: `Metadata values must be strings.` };
    if (item.length > 512) return { param: `${param}.${key}`, message: `Metadata values may be at most 512 characters long.` };
  }
  return { value: value as Record<string, string> };
}
