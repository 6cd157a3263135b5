import { newId } from '../ids';
import type { InputItem } from './types';

/**
 * A compaction item (`POST /v1/responses/compact`) carries a summary of the conversation it replaces. OpenAI
 * encrypts its own; this server's is the summary itself, base64-encoded with a marker: opaque to clients as the API
 * intends, but not secret from whoever holds it.
 */
const MARKER = 'responses-server.compaction.v1:';

export function compactionItem(summary: string): InputItem {
  return { id: newId('cmp'), type: 'compaction', encrypted_content: Buffer.from(MARKER + summary, 'utf8').toString('base64') };
}

/** The summary a compaction item of this server holds; null for anything else (another service's, or altered). */
export function summaryOf(encryptedContent: unknown): string | null {
  if (typeof encryptedContent !== 'string') return null;
  const decoded = Buffer.from(encryptedContent, 'base64').toString('utf8');
  return decoded.startsWith(MARKER) ? decoded.slice(MARKER.length) : null;
}

/** What a model is given for each compaction item: its summary, as a developer message where the item stands. */
export function expandCompactions(items: InputItem[]): InputItem[] {
  if (!items.some((item) => item.type === 'compaction')) return items;
  return items.map((item) => {
    if (item.type !== 'compaction') return item;
    const text = `A summary of the conversation before this point, which it replaces:\n${summaryOf(item.encrypted_content) ?? ''}`;
    return { type: 'message', role: 'developer', content: [{ type: 'input_text', text }] };
  });
}
