import { randomBytes } from 'node:crypto';

/** OpenAI-style identifiers: a type prefix and 48 random hex digits (`resp_…`, `msg_…`, `fc_…`, `call_…`). */
export function newId(prefix: 'resp' | 'msg' | 'fc' | 'fco' | 'call' | 'rs' | 'item'): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}
