// The Vercel AI SDK 7 (it asks for Node 22), run by test/newer-node.e2e-spec.ts under Node 24 against the server at
// argv[2]: it prints what an app would read of a generation, a stream and a two-step tool loop, as JSON.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, isStepCount, streamText, tool } from 'ai';
import { z } from 'zod';

const model = createOpenAI({ baseURL: `${process.argv[2]}/v1`, apiKey: 'test-key' }).responses('stub-model');
const weather = tool({
  description: 'Weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

const generated = await generateText({ model, prompt: 'Hi there', maxRetries: 0 });
const streamed = streamText({ model, prompt: 'Stream this', maxRetries: 0 });
const deltas = [];
for await (const delta of streamed.textStream) deltas.push(delta);
const looped = streamText({ model, prompt: 'CALL weather {"city":"Oslo"}', tools: { weather }, stopWhen: isStepCount(2), maxRetries: 0 });
const parts = [];
for await (const part of looped.fullStream) parts.push(part.type);

console.log(
  JSON.stringify({
    generated: { text: generated.text, finishReason: generated.finishReason, responseId: generated.providerMetadata?.openai?.responseId },
    streamed: { deltas: deltas.length, text: deltas.join(''), finishReason: await streamed.finishReason },
    looped: { parts, text: await looped.text, finishReasons: (await looped.steps).map((step) => step.finishReason) },
  }),
);
