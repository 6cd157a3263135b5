import { newId } from '../ids';
import type { InputItem } from './types';

/** What a compaction item's summary is sealed for (see ContentSealer): it opens for this purpose and its tenant only. */
export const COMPACTION_PURPOSE = 'compaction';

/**
 * A compaction item (`POST /v1/responses/compact`) carries a summary of the conversation it replaces, sealed by the
 * server (as OpenAI encrypts its own): opaque to clients, readable by this server only, for the tenant it was made for.
 */
export function compactionItem(sealedSummary: string): InputItem {
  return { id: newId('cmp'), type: 'compaction', encrypted_content: sealedSummary };
}

/** What a model is given for each compaction item: its summary (`summaryOf` opens it), as a developer message where the item stands. */
export function expandCompactions(items: InputItem[], summaryOf: (sealed: unknown) => string | null): InputItem[] {
  if (!items.some((item) => item.type === 'compaction')) return items;
  return items.map((item) => {
    if (item.type !== 'compaction') return item;
    const text = `A summary of the conversation before this point, which it replaces:\n${summaryOf(item.encrypted_content) ?? ''}`;
    return { type: 'message', role: 'developer', content: [{ type: 'input_text', text }] };
  });
}

/** A stored conversation (a chain, a conversation's items) as a model is given it: from its latest compaction item on, which carries what came before. */
export function fromLatestCompaction(items: InputItem[]): InputItem[] {
  const latest = items.findLastIndex((item) => item.type === 'compaction');
  return latest > 0 ? items.slice(latest) : items;
}
