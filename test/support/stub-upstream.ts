import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { writeEndlessAnswer } from './endless-answer';

/**
 * A small OpenAI-compatible Chat Completions server: the test double for a model backend. What it does is scripted
 * by the last message it receives:
 * - a tool result → "The tool said: <result>" (50 ms between words when the result starts with SLOW)
 * - `CALL <name> <json>` → a call of that tool; `CALL2` → two parallel calls of the first tool; a question
 *   (ending in `?`) when tools are offered and tool_choice is not "none" → a call of the first tool with `{}`
 * - `HTTP <status>` → that error status (429 carries Retry-After: 7)
 * - `DROP` → two chunks, then the connection is cut; `HANG` → one chunk, then silence
 * - `ENDLESS` → a chunk (or, not streamed, an answer) whose text goes on for 256 MB, as fast as it is read
 * - `LENGTH` → cut short with finish_reason "length"; `REASON` → reasoning_content first
 * - `JSON` or a response_format → a JSON answer
 * - `TOKENS <n> <delayMs>` → n tokens, delayMs apart; `TOKENS <n> <delayMs> CALL <name>` → then a call of that tool with `{}`
 * - `BYTES <n> <size>` → n pieces of `size` characters each, at once
 * - `WAIT <ms> <rest>` → nothing for ms (not even headers), then as for `<rest>`
 * - `LIMIT <n> <rest>` → a context overflow (400) when the request holds more than n messages, else as for `<rest>`
 * - `STEPS <json>` (the last user message) → the calls of a JSON array of `{name, arguments}`, one a turn, counting the
 *   tool results since that message; then "All done." (an agent's multi-step task)
 * - `UNICODE` → text with a NUL and an emoji split across two chunks, then a call of `f` whose arguments split one too
 * - anything else → "Hello! You said: <text>", word by word
 * GET /models lists STUB_MODELS.
 */
export interface StubUpstream {
  baseURL: string;
  /** Every chat completion request body received, oldest first. */
  requests: Array<Record<string, any>>;
  /** Requests the stub saw closed by the client before it finished answering (streamed or not). */
  aborted: number;
  /** Bytes of `ENDLESS` answers written into their sockets. */
  endlessBytes: number;
  close(): Promise<void>;
}

export interface StubOptions {
  port?: number;
  /** Keep every request body in `requests` (default true; benchmarks turn it off). */
  recordRequests?: boolean;
}

type Message = { role: string; content: unknown; tool_calls?: unknown[] };

/** What GET /models lists (the stub answers any model name). */
export const STUB_MODELS = ['stub-model', 'llama-70b', 'qwen/qwen3-8b'];

export async function startStubUpstream(options: StubOptions = {}): Promise<StubUpstream> {
  const requests: Array<Record<string, any>> = [];
  const state = { aborted: 0, endlessBytes: 0 };
  const server: Server = createServer((req, res) => {
    void handle(req, res, options.recordRequests === false ? undefined : requests, state);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    get aborted() {
      return state.aborted;
    },
    get endlessBytes() {
      return state.endlessBytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type StubState = { aborted: number; endlessBytes: number };

async function handle(req: IncomingMessage, res: ServerResponse, requests: Array<Record<string, any>> | undefined, state: StubState) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (req.method === 'GET' && req.url?.endsWith('/models')) {
    return json(res, 200, { object: 'list', data: STUB_MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'stub' })) });
  }
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) return json(res, 404, { error: { message: 'not found' } });
  const body = JSON.parse(raw);
  requests?.push(body);
  const messages: Message[] = body.messages;
  const last = messages[messages.length - 1];
  const said = textOf(last);
  const wait = /^WAIT (\d+) /.exec(said);
  if (wait) await new Promise((resolve) => setTimeout(resolve, Number(wait[1])));
  const limit = /^LIMIT (\d+) /.exec(said.slice(wait?.[0].length ?? 0));
  if (limit && messages.length > Number(limit[1])) {
    // As vLLM words it (no error code).
    const message = `This model's maximum context length is ${limit[1]} messages. However, you requested ${messages.length} messages.`;
    return json(res, 400, { error: { message, type: 'BadRequestError', param: null, code: null } });
  }
  const text = said.slice((wait?.[0].length ?? 0) + (limit?.[0].length ?? 0));
  const promptTokens = messages.reduce((sum, m) => sum + words(textOf(m)).length, 0);

  const status = /^HTTP (\d{3})/.exec(text);
  if (status) {
    const code = Number(status[1]);
    if (code === 429) res.setHeader('Retry-After', '7');
    return json(res, code, { error: { message: `stub error ${code}`, type: 'stub_error', param: null, code: null } });
  }
  if (body.model === 'missing-model')
    return json(res, 404, { error: { message: 'The model does not exist', type: 'invalid_request_error', code: 'model_not_found' } });

  if (text === 'ENDLESS') return endless(res, body.stream === true, state);
  const plan = planReply(last, text, body);
  const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
  const created = Math.floor(Date.now() / 1000);
  const completionTokens = plan.pieces.length + plan.calls.length;
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 2 },
    completion_tokens_details: { reasoning_tokens: plan.reasoning ? 1 : 0 },
  };

  if (!body.stream) {
    const message: Record<string, unknown> = { role: 'assistant', content: plan.pieces.join('') || null };
    if (plan.reasoning) message.reasoning_content = plan.reasoning;
    if (plan.calls.length)
      message.tool_calls = plan.calls.map((c, i) => ({ id: `call_stub${i}`, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    const answer = JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model: body.model,
      choices: [{ index: 0, message, finish_reason: plan.finish }],
      usage,
    });
    if (plan.drop || plan.hang) {
      // Headers and half the body, then the connection is cut (DROP) or goes silent (HANG).
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(answer.slice(0, answer.length / 2));
      if (plan.drop) setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.on('close', () => {
      if (!res.writableFinished) state.aborted += 1;
    });
    // As long as streaming the same answer would take; at once with no delay (a timer of 0 still waits a millisecond).
    const delayMs = plan.delayMs * plan.pieces.length;
    // A client that leaves ends the wait: no timer outlives the request (and keeps a test's process alive).
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (res.destroyed) return;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
    return res.end(answer);
  }

  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  let finished = false;
  res.on('close', () => {
    if (!finished) state.aborted += 1;
  });
  const send = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`,
    );
  const pause = () => (plan.delayMs > 0 ? new Promise((r) => setTimeout(r, plan.delayMs)) : Promise.resolve());

  send({ role: 'assistant', content: '' });
  if (plan.reasoning) send({ reasoning_content: plan.reasoning });
  for (const [index, piece] of plan.pieces.entries()) {
    if (res.destroyed) return;
    await pause();
    send({ content: piece });
    if (plan.drop && index === 1) {
      res.socket?.destroy();
      return;
    }
    if (plan.hang) return;
  }
  for (const [index, call] of plan.calls.entries()) {
    await pause();
    const half = Math.ceil(call.arguments.length / 2);
    send({
      tool_calls: [{ index, id: `call_${id.slice(9)}_${index}`, type: 'function', function: { name: call.name, arguments: call.arguments.slice(0, half) } }],
    });
    send({ tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] });
  }
  send({}, plan.finish);
  if (body.stream_options?.include_usage)
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], usage })}\n\n`);
  res.write('data: [DONE]\n\n');
  finished = true;
  res.end();
}

const ENDLESS_BYTES = 256 * 1024 * 1024;

/** A chunk (streamed) or an answer whose content goes on for 256 MB, written as fast as the reader takes it. */
function endless(res: ServerResponse, stream: boolean, state: StubState): void {
  const head = '{"id":"chatcmpl-endless","created":1,"model":"m","choices":[{"index":0,';
  res.writeHead(200, { 'Content-Type': stream ? 'text/event-stream' : 'application/json' });
  writeEndlessAnswer(
    res,
    stream ? `data: ${head}"delta":{"content":"` : `${head}"message":{"role":"assistant","content":"`,
    stream ? '"}}]}\n\ndata: [DONE]\n\n' : '"},"finish_reason":"stop"}]}',
    ENDLESS_BYTES,
    (bytes) => (state.endlessBytes += bytes),
  );
}

interface Plan {
  pieces: string[];
  calls: Array<{ name: string; arguments: string }>;
  finish: string;
  delayMs: number;
  reasoning?: string;
  drop?: boolean;
  hang?: boolean;
}

/** The pieces the stub streams for `TOKENS n`. */
function tokenPieces(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `t${i} `);
}

/** The whole text the stub answers to `TOKENS n`. */
export function tokensReply(n: number): string {
  return tokenPieces(n).join('');
}

function planReply(last: Message, text: string, body: Record<string, any>): Plan {
  const plan: Plan = { pieces: [], calls: [], finish: 'stop', delayMs: 0 };
  const steps = stepsOf(body.messages);
  if (steps) {
    if (steps.next) {
      plan.calls = [steps.next];
      plan.finish = 'tool_calls';
    } else plan.pieces = words('All done.');
    return plan;
  }
  const call = /^CALL (\w+)(?: (.*))?$/s.exec(text);
  const tokens = /^TOKENS (\d+)(?: (\d+))?/.exec(text);
  const bytes = /^BYTES (\d+) (\d+)/.exec(text);
  if (last.role === 'tool') {
    plan.pieces = words(`The tool said: ${text}`);
    if (text.startsWith('SLOW')) plan.delayMs = 50;
  } else if (call) {
    plan.calls = [{ name: call[1], arguments: call[2] ?? '{}' }];
    plan.finish = 'tool_calls';
  } else if (text.endsWith('?') && body.tools?.length && body.tool_choice !== 'none') {
    plan.calls = [{ name: body.tools[0].function.name, arguments: '{}' }];
    plan.finish = 'tool_calls';
  } else if (text.startsWith('CALL2')) {
    const name = body.tools?.[0]?.function?.name ?? 'tool';
    plan.calls = [
      { name, arguments: '{"city":"Paris"}' },
      { name, arguments: '{"city":"Tokyo"}' },
    ];
    plan.finish = 'tool_calls';
  } else if (text === 'UNICODE') {
    plan.pieces = ['a\u0000b ', '\ud83d', '\ude00 ok'];
    // Sent in two halves that split the emoji's surrogate pair.
    plan.calls = [{ name: 'f', arguments: '{"e":"\ud83d\ude00abcd"}' }];
    plan.finish = 'tool_calls';
  } else if (bytes) {
    plan.pieces = Array.from({ length: Number(bytes[1]) }, (_, i) => `${i} `.padEnd(Number(bytes[2]), 'x'));
  } else if (tokens) {
    plan.pieces = tokenPieces(Number(tokens[1]));
    plan.delayMs = Number(tokens[2] ?? 0);
    const then = / CALL (\w+)$/.exec(text);
    if (then) {
      plan.calls = [{ name: then[1], arguments: '{}' }];
      plan.finish = 'tool_calls';
    }
  } else if (text === 'JSON' || body.response_format?.type === 'json_schema' || body.response_format?.type === 'json_object') {
    plan.pieces = ['{"answer":', ' "ok"}'];
  } else {
    plan.pieces = words(`Hello! You said: ${text}`);
    plan.drop = text === 'DROP';
    if (plan.drop) plan.delayMs = 20;
    plan.hang = text === 'HANG';
    if (text === 'LENGTH') plan.finish = 'length';
    if (text === 'REASON') plan.reasoning = 'Thinking it over.';
    if (text.startsWith('SLOW')) plan.delayMs = 50;
  }
  return plan;
}

/** The next call of a `STEPS` script in the last user message, counting the tool results after it; undefined when there is none. */
function stepsOf(messages: Message[]): { next?: { name: string; arguments: string } } | undefined {
  const lastUser = messages.map((message) => message.role).lastIndexOf('user');
  const script = /^STEPS (.*)$/s.exec(textOf(messages[lastUser]).trim());
  if (!script) return undefined;
  const steps = JSON.parse(script[1]) as Array<{ name: string; arguments: unknown }>;
  const done = messages.slice(lastUser + 1).filter((message) => message.role === 'tool').length;
  const step = steps[done];
  return { next: step && { name: step.name, arguments: typeof step.arguments === 'string' ? step.arguments : JSON.stringify(step.arguments) } };
}

function textOf(message: Message | undefined): string {
  if (!message) return '';
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) return message.content.map((p: any) => p.text ?? '').join('');
  return '';
}

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
