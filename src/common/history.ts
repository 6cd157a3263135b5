import type { InputItem } from './openai/types';

/**
 * The items a request continues from (a conversation's, or a chain's of previous responses), oldest first: the
 * newest that together hold at most MAX_CONTEXT_BYTES of JSON; `cut` when older ones were left out for that.
 */
export interface History {
  items: InputItem[];
  cut: boolean;
}
