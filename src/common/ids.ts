import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 24 * 256;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** OpenAI-style identifiers: a type prefix and 48 random hex digits (`resp_…`, `msg_…`, `fc_…`, `call_…`, `conv_…`). */
export type IdPrefix =
  | 'resp'
  | 'msg'
  | 'fc'
  | 'fco'
  | 'ctc'
  | 'ctco'
  | 'lsc'
  | 'shc'
  | 'apc'
  | 'ws'
  | 'mcp'
  | 'mcpl'
  | 'mcpr'
  | 'mcpa'
  | 'evt'
  | 'wh'
  | 'call'
  | 'rs'
  | 'item'
  | 'conv'
  | 'cmp'
  | 'req';

export function newId(prefix: IdPrefix): string {
  // One call to the CSPRNG per 256 ids instead of one per id.
  if (offset + 24 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 24);
  offset += 24;
  return `${prefix}_${id}`;
}
