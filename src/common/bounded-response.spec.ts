import { AnswerTooLargeError, boundedResponse } from './bounded-response';

/** An answer that sends `chunks` chunks of `size` bytes, and counts how many were pulled from it. */
function answer(chunks: number, size: number, headers: Record<string, string> = {}) {
  const source = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (source.pulled === chunks) return controller.close();
      source.pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(97));
    },
    cancel() {
      source.cancelled = true;
    },
  });
  return { response: new Response(body, { status: 200, headers }), source };
}

describe('boundedResponse', () => {
  it('reads an answer within the bound as it is', async () => {
    const { response } = answer(4, 256);
    const bounded = boundedResponse(response, 1024);
    expect(bounded.status).toBe(200);
    expect(await bounded.text()).toBe('a'.repeat(1024));
  });

  it('fails past the bound, and stops reading the answer there', async () => {
    const { response, source } = answer(1000, 1024);
    await expect(boundedResponse(response, 4096).text()).rejects.toBeInstanceOf(AnswerTooLargeError);
    expect(source.pulled).toBeLessThan(10);
    expect(source.cancelled).toBe(true);
  });

  it('fails at once on a declared length over the bound, reading nothing', () => {
    const { response, source } = answer(1, 10, { 'content-length': '5000' });
    expect(() => boundedResponse(response, 4096)).toThrow(AnswerTooLargeError);
    expect(source.pulled).toBe(0);
  });

  it('leaves an answer without a body alone', () => {
    const empty = new Response(null, { status: 204 });
    expect(boundedResponse(empty, 1)).toBe(empty);
  });
});
