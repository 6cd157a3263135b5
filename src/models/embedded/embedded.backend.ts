import type { LlamaChatResponse } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { Observable } from 'rxjs';

import { ApiError } from '../../common/api-error';
import { newId } from '../../common/ids';
import { GenerationFailure } from '../backend-errors';
import type { BackendModel, FinishReason, GenerateOptions, GenerationChunk, GenerationRequest, ModelBackend } from '../generation';
import { type LlamaConversation, toLlamaConversation } from './llama-conversation';
import type { LlamaEngine, LoadedModel } from './llama-engine';

/**
 * A GGUF model run in this process by node-llama-cpp: the model's own chat template, grammar-constrained JSON for
 * `text.format`, function calling that stops at the call and hands it back to the client, and real token counts.
 */
export class EmbeddedBackend implements ModelBackend {
  readonly name: string;

  constructor(
    private readonly engine: LlamaEngine,
    readonly source: string,
    /** Where an answer is cut short, as at its token limit (MAX_OUTPUT_CHARS): the engine shifts its context, and could go on. */
    private readonly maxOutputChars: number,
  ) {
    this.name = `embedded:${source}`;
  }

  /** Loads the model (downloading it first if it is remote), so that start-up fails rather than the first request. */
  async prepare(): Promise<void> {
    await this.engine.load(this.source);
  }

  async generate(request: GenerationRequest, { stop }: GenerateOptions = {}): Promise<Observable<GenerationChunk>> {
    const loaded = await this.engine.load(this.source);
    const conversation = toLlamaConversation(request);
    let grammar;
    try {
      grammar = conversation.functions ? undefined : await loaded.grammarFor(request.textFormat);
    } catch (error) {
      throw ApiError.badRequest(`The embedded engine cannot enforce this JSON schema: ${(error as Error).message}`, 'text.format.schema');
    }
    return new Observable<GenerationChunk>((subscriber) => {
      const abort = new AbortController();
      if (stop?.requested) abort.abort();
      const stopListening = stop?.onRequest(() => abort.abort());
      const run = async () => {
        const sequence = await loaded.sequences.acquire(abort.signal);
        const chat = new loaded.lib.LlamaChat({ contextSequence: sequence, chatWrapper: loaded.chatWrapper });
        try {
          const inputTokens = promptTokens(loaded, conversation);
          let outputTokens = 0;
          let outputChars = 0;
          let cut = false;
          let calls = 0;
          const common = {
            signal: abort.signal,
            stopOnAbortSignal: true,
            maxTokens: request.maxOutputTokens,
            temperature: request.temperature,
            topP: request.topP,
            repeatPenalty:
              request.presencePenalty || request.frequencyPenalty
                ? { presencePenalty: request.presencePenalty, frequencyPenalty: request.frequencyPenalty }
                : undefined,
            onToken: (tokens: unknown[]) => (outputTokens += tokens.length),
            onTextChunk: (text: string) => {
              if (!text || cut) return;
              subscriber.next({ type: 'text', delta: text });
              outputChars += text.length;
              if (outputChars <= this.maxOutputChars) return;
              cut = true;
              abort.abort();
            },
          };
          const result: LlamaChatResponse<never> = conversation.functions
            ? await chat.generateResponse(conversation.history, {
                ...common,
                functions: conversation.functions,
                maxParallelFunctionCalls: request.parallelToolCalls ? undefined : 1,
                onFunctionCall: (call) => {
                  const argumentsJson = JSON.stringify(call.params ?? {});
                  subscriber.next({ type: 'tool_call', index: calls++, callId: newId('call'), name: call.functionName, argumentsDelta: argumentsJson });
                },
              })
            : await chat.generateResponse(conversation.history, { ...common, grammar });
          subscriber.next({
            type: 'usage',
            usage: {
              input_tokens: inputTokens,
              input_tokens_details: { cached_tokens: 0 },
              output_tokens: outputTokens,
              output_tokens_details: { reasoning_tokens: 0 },
              total_tokens: inputTokens + outputTokens,
            },
          });
          subscriber.next({ type: 'finish', reason: cut ? 'length' : finishReason(result.metadata.stopReason, calls) });
          subscriber.complete();
        } finally {
          chat.dispose({ disposeSequence: false });
          loaded.sequences.release(sequence);
        }
      };
      run().catch((error: unknown) => {
        if (abort.signal.aborted) return;
        subscriber.error(new GenerationFailure('server_error', `The embedded engine failed: ${(error as Error).message ?? String(error)}`));
      });
      return () => {
        stopListening?.();
        abort.abort();
      };
    });
  }

  async countInputTokens(request: GenerationRequest): Promise<number> {
    return promptTokens(await this.engine.load(this.source), toLlamaConversation(request));
  }

  async listModels(): Promise<BackendModel[]> {
    return [{ id: this.source, owned_by: 'embedded' }];
  }
}

/** The tokens of the prompt as the model's chat template renders it, up to where the model starts writing. */
function promptTokens(loaded: LoadedModel, conversation: LlamaConversation): number {
  const last = conversation.history[conversation.history.length - 1];
  const chatHistory = last?.type === 'model' ? conversation.history : [...conversation.history, { type: 'model' as const, response: [] }];
  const { contextText } = loaded.chatWrapper.generateContextState({ chatHistory, availableFunctions: conversation.functions });
  return contextText.tokenize(loaded.model.tokenizer).length;
}

function finishReason(stopReason: string, calls: number): FinishReason {
  if (calls > 0 || stopReason === 'functionCalls') return 'tool_calls';
  if (stopReason === 'maxTokens') return 'length';
  return 'stop';
}
