/**
 * Streaming chat: print the answer as it is generated.
 *   npx tsx examples/responses_api/streaming_chat.ts "Tell me a joke"
 * OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server.
 */
import OpenAI from 'openai';

export async function streamingChat(client: OpenAI, model: string, prompt: string, write: (text: string) => void): Promise<string> {
  const stream = await client.responses.create({ model, input: prompt, stream: true });
  let text = '';
  for await (const event of stream) {
    if (event.type === 'response.output_text.delta') {
      text += event.delta;
      write(event.delta);
    } else if (event.type === 'response.completed') {
      write('\n');
      break;
    } else if (event.type === 'response.failed') {
      throw new Error(`The response failed: ${event.response.error?.message}`);
    }
  }
  return text;
}

if (require.main === module) {
  const client = new OpenAI({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:8000/v1',
    apiKey: process.env.OPENAI_API_KEY ?? 'not-needed-when-auth-is-off',
  });
  const model = process.env.MODEL ?? 'gpt-4o-mini';
  streamingChat(client, model, process.argv[2] ?? 'Write a haiku about Postgres.', (text) => process.stdout.write(text)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
