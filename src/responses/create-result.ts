import type { Observable } from 'rxjs';
import type { ResponseObject } from '../common/openai/types';
import type { SerializedEvent } from '../events/serialized-event';

/** What a create (or a continuation) answers: the response object, or its events as a stream. */
export type CreateResult = { kind: 'object'; response: ResponseObject } | { kind: 'stream'; events: Observable<SerializedEvent> };
