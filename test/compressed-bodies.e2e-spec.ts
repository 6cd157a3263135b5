import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

import { startTestServer, type TestServer } from './support/test-server';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

describe('Compressed request bodies', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ BODY_LIMIT: '1mb' });
  });
  afterAll(() => server.close());

  const post = (body: Buffer, encoding: string) =>
    fetch(`${server.url}/v1/responses`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body });

  it('reads zstd (as Codex CLI may send it), gzip, deflate and br bodies', async () => {
    const zstd = await post(fixture('create-body.json.zst'), 'zstd');
    expect(zstd.status).toBe(200);
    expect(await zstd.json()).toMatchObject({ status: 'completed', output: [{ content: [{ text: 'Hello! You said: compressed with zstd' }] }] });
    const json = Buffer.from(JSON.stringify({ model: 'm', input: 'squeezed' }));
    for (const [encoding, body] of [
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
    ] as const) {
      const res = await post(body, encoding);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'completed' });
    }
  });

  it('applies the body limit to what a body decompresses to (a kilobyte of zstd or gzip that would be 30 MB: 413)', async () => {
    for (const [encoding, body] of [
      ['zstd', fixture('zeros-30mb.zst')],
      ['gzip', gzipSync(Buffer.alloc(30 * 1024 * 1024))],
    ] as const) {
      const res = await post(body, encoding);
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: 'request_too_large' } });
    }
  });

  it('refuses a zstd frame that declares more than the limit before decompressing it, and what is not zstd', async () => {
    // A frame header declaring 4 GB of content (single segment, 8-byte size), then one empty raw block.
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 1, 0, 0, 0, 0x01, 0, 0]);
    const declared = await post(header, 'zstd');
    expect(declared.status).toBe(400);
    expect(await declared.json()).toMatchObject({ error: { code: 'invalid_encoding', message: expect.stringContaining('declares more than the body limit') } });
    const garbage = await post(Buffer.from('not zstd at all'), 'zstd');
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ error: { code: 'invalid_encoding' } });
  });
});
