/**
 * A conversation kept by the server: each turn sends only the new message; the server gives the model the
 * conversation so far and adds the turn to it.
 *   npx tsx examples/responses_api/conversation.ts "My name is Ada." "What is my name?"
 * OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server.
 */
import OpenAI from 'openai';

export async function conversation(client: OpenAI, model: string, messages: string[], write: (line: string) => void): Promise<string[]> {
  const { id } = await client.conversations.create({ metadata: { example: 'conversation' } });
  const answers: string[] = [];
  for (const message of messages) {
    const response = await client.responses.create({ model, conversation: id, input: message });
    write(`> ${message}\n${response.output_text}`);
    answers.push(response.output_text);
  }
  // The whole conversation, oldest first: each message, then the answer to it.
  for await (const item of client.conversations.items.list(id, { order: 'asc' })) {
    if (item.type === 'message') write(`[${item.role}] ${item.content.map((part) => ('text' in part ? part.text : '')).join('')}`);
  }
  await client.conversations.delete(id);
  return answers;
}

if (require.main === module) {
  const client = new OpenAI({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:8000/v1',
    apiKey: process.env.OPENAI_API_KEY ?? 'not-needed-when-auth-is-off',
  });
  const model = process.env.MODEL ?? 'gpt-4o-mini';
  const messages = process.argv.length > 2 ? process.argv.slice(2) : ['My name is Ada.', 'What is my name?'];
  conversation(client, model, messages, (line) => console.log(line)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
