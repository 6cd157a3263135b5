// LangChain's @langchain/openai 1.6 (it asks for Node 22), run by test/newer-node.e2e-spec.ts under Node 26 against
// the server at argv[2], on the Responses API: it prints what an app would read of an answer, a stream, a bound tool's
// call and the answer after its result, and a continuation by previous_response_id, as JSON.
import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';

const model = new ChatOpenAI({
  model: 'stub-model',
  apiKey: 'test-key',
  configuration: { baseURL: `${process.argv[2]}/v1` },
  useResponsesApi: true,
  maxRetries: 0,
});
const weather = tool(async ({ city }) => `sunny in ${city}`, {
  name: 'weather',
  description: 'Weather in a city',
  schema: z.object({ city: z.string() }),
});

const answered = await model.invoke('Hi there');
const chunks = [];
for await (const chunk of await model.stream('Stream this')) chunks.push(chunk);
const streamed = chunks.reduce((sum, chunk) => sum.concat(chunk));
const withTools = model.bindTools([weather]);
const question = new HumanMessage('CALL weather {"city":"Oslo"}');
const call = await withTools.invoke([question]);
const result = await weather.invoke(call.tool_calls[0]);
const afterTool = await withTools.invoke([question, call, result]);
const continued = await model.invoke('What did I say?', { previous_response_id: answered.id });

console.log(
  JSON.stringify({
    answered: { text: answered.text, id: answered.id, outputTokens: answered.usage_metadata?.output_tokens },
    streamed: { chunks: chunks.filter((chunk) => chunk.text).length, text: streamed.text },
    toolLoop: { calls: call.tool_calls.map(({ name, args }) => ({ name, args })), answer: afterTool.text },
    continued: { text: continued.text, id: continued.id },
  }),
);
