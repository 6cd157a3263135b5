import type { Observable } from 'rxjs';

import type { InputItem, ResponseObject } from '../common/openai/types';
import type { SerializedEvent } from '../events/serialized-event';

/**
 * What a create (or a continuation) answers: the response object, or its events as a stream. A streamed create says
 * what the model was given (`context`: the history it continued, then its input), for a caller that keeps it.
 */
export type CreateResult = { kind: 'object'; response: ResponseObject } | { kind: 'stream'; events: Observable<SerializedEvent>; context?: InputItem[] };
