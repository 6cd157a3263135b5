/**
 * Background job with polling: queue a long response, then poll it until it is done (the server may run it on
 * any replica, and survives a replica's crash).
 *   npx tsx examples/responses_api/background.ts "Summarise the history of Postgres"
 * OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server.
 */
import OpenAI from 'openai';

export async function backgroundJob(client: OpenAI, model: string, prompt: string, print: (line: string) => void, pollEveryMs = 1000): Promise<string> {
  let response = await client.responses.create({ model, input: prompt, background: true, store: true });
  print(`${response.status} ${response.id}`);
  while (response.status === 'queued' || response.status === 'in_progress') {
    await new Promise((resolve) => setTimeout(resolve, pollEveryMs));
    response = await client.responses.retrieve(response.id);
    print(response.status!);
  }
  if (response.status !== 'completed') throw new Error(`The response ended ${response.status}: ${response.error?.message ?? ''}`);
  print(response.output_text);
  return response.output_text;
}

if (require.main === module) {
  const client = new OpenAI({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:8000/v1',
    apiKey: process.env.OPENAI_API_KEY ?? 'not-needed-when-auth-is-off',
  });
  const model = process.env.MODEL ?? 'gpt-4o-mini';
  backgroundJob(client, model, process.argv[2] ?? 'Write a short essay about write-ahead logging.', (line) => console.log(line)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
