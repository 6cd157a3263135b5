/**
 * Tool call workflow: stream a response that calls `get_time`, read the call id from the stream, submit the tool's
 * output to the same response, and retrieve the final answer.
 *   npx tsx examples/responses_api/tool_calls.ts
 * OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server.
 */
import OpenAI from 'openai';

const GET_TIME = {
  type: 'function',
  // The nested Chat-Completions form; the flat Responses form works as well.
  function: {
    name: 'get_time',
    description: 'The current time in a time zone',
    parameters: { type: 'object', properties: { timezone: { type: 'string' } } },
  },
};

export async function toolCallWorkflow(client: OpenAI, model: string, log: (line: string) => void): Promise<string> {
  const stream = await client.responses.create({
    model,
    input: 'What time is it in UTC?',
    tools: [GET_TIME as unknown as OpenAI.Responses.FunctionTool],
    stream: true,
  });
  let responseId = '';
  let toolCallId = '';
  for await (const event of stream as AsyncIterable<{ type: string; [key: string]: any }>) {
    if (event.type === 'response.created') responseId = event.response.id;
    // The older event: `delta` is a JSON string holding every call known so far.
    if (event.type === 'response.tool_call.delta') toolCallId = JSON.parse(event.delta)[0].id;
    if (event.type === 'response.completed') break;
  }
  log(`response ${responseId} asked for tool call ${toolCallId}`);

  // No SDK has a method for this endpoint; the generic `post` reaches it.
  await client.post(`/responses/${responseId}/submit_tool_outputs`, {
    body: { tool_call_id: toolCallId, output: [{ type: 'output_text', text: 'It is 18:42 UTC.' }] },
  });
  const final = await client.responses.retrieve(responseId);
  log(final.output_text);
  return final.output_text;
}

if (require.main === module) {
  const client = new OpenAI({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:8000/v1',
    apiKey: process.env.OPENAI_API_KEY ?? 'not-needed-when-auth-is-off',
  });
  toolCallWorkflow(client, process.env.MODEL ?? 'gpt-4o-mini', (line) => console.log(line)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
