import type OpenAI from 'openai';

/** Reads a raw SSE response body into frames exactly as they arrive on the wire. */
export async function readFrames(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split('\n\n').filter((frame) => frame.length > 0);
}

export function parseFrame(frame: string): { event: string; data: any } {
  const [eventLine, dataLine] = frame.split('\n');
  return { event: eventLine.replace(/^event: /, ''), data: JSON.parse(dataLine.replace(/^data: /, '')) };
}

export interface StreamEvent {
  type: string;
  sequence_number: number;
  [key: string]: any;
}

/**
 * The output a client rebuilds from a response's events: every lifecycle event carries the whole response (the
 * snapshot to start from), and each finished item takes its place by output_index.
 */
export function rebuildOutput(events: StreamEvent[]): unknown[] {
  let output: unknown[] = [];
  for (const event of events) {
    if (event.response) output = structuredClone(event.response.output);
    else if (event.type === 'response.output_item.done') output[event.output_index] = event.item;
  }
  return output;
}

/** The events of `GET /v1/responses/{id}?stream=true&starting_after=N`, read to the end. */
export async function streamStored(baseUrl: string, id: string, startingAfter?: number): Promise<StreamEvent[]> {
  const query = startingAfter === undefined ? 'stream=true' : `stream=true&starting_after=${startingAfter}`;
  const res = await fetch(`${baseUrl}/v1/responses/${id}?${query}`, { headers: { Authorization: 'Bearer test-key' } });
  if (!res.ok) throw new Error(`GET stream: ${res.status} ${await res.text()}`);
  return (await readFrames(res))
    .filter((frame) => !frame.startsWith(':'))
    .map((frame) => parseFrame(frame).data as StreamEvent)
    .filter((event) => event.type !== 'response.ping');
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Polls a background response until it has ended, and gives it as it ended. */
export function finishedResponse<R extends { status?: string | null }>(
  client: { responses: { retrieve(id: string): PromiseLike<R> } },
  id: string,
): Promise<R> {
  return waitFor(async () => {
    const response = await client.responses.retrieve(id);
    return response.status === 'queued' || response.status === 'in_progress' ? undefined : response;
  });
}

/** Creates a background response with `stream: true` and leaves its stream after the first event; the job runs on. */
export async function startStreamedJob(client: OpenAI, input: string): Promise<string> {
  const stream = await client.responses.create({ model: 'stub-model', input, background: true, stream: true });
  for await (const event of stream) {
    if (event.type === 'response.created') return event.response.id;
  }
  throw new Error('the stream ended before response.created');
}
