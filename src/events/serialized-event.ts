/** A Responses streaming event serialized once: the same JSON goes to the SSE stream and to the event log. */
export interface SerializedEvent {
  type: string;
  sequenceNumber: number;
  json: string;
}
