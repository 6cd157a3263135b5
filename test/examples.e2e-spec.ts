import { streamingChat } from '../examples/responses_api/streaming_chat';
import { startTestServer, type TestServer } from './support/test-server';

describe('README examples', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('streaming_chat prints the deltas as they arrive', async () => {
    const written: string[] = [];
    const text = await streamingChat(server.client, 'stub-model', 'Tell me a joke', (piece) => written.push(piece));
    expect(text).toBe('Hello! You said: Tell me a joke');
    expect(written.length).toBeGreaterThan(2);
    expect(written.join('')).toBe('Hello! You said: Tell me a joke\n');
  });
});
