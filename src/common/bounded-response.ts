/** An answer from another server that held more than this server reads of one. */
export class AnswerTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`its answer was larger than ${maxBytes} bytes`);
  }
}

/** Statuses whose answers have no body (and that a Response cannot be made with one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * `response` with a body that fails with `AnswerTooLargeError` once more than `maxBytes` have been read, so that
 * another server cannot make this one hold more of its answer than that (a declared length over it fails at once);
 * `onExceeded` is told too, for readers that do not pass a body's failure on. The bytes are counted as they arrive:
 * nothing is read ahead.
 */
export function boundedResponse(response: Response, maxBytes: number, onExceeded?: (error: AnswerTooLargeError) => void): Response {
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) return response;
  const exceeded = () => {
    const error = new AnswerTooLargeError(maxBytes);
    onExceeded?.(error);
    return error;
  };
  if (Number(response.headers.get('content-length')) > maxBytes) {
    void response.body.cancel().catch(() => undefined);
    throw exceeded();
  }
  let read = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > maxBytes) controller.error(exceeded());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
}
