import { writeFileSync } from 'node:fs';

import { encodeGguf, type GgufTensor } from './gguf-writer';

/**
 * A tiny llama-architecture GGUF whose answers are scripted. Every token is a one-hot embedding and every weight of
 * the attention and feed-forward layers is zero but one path, so the next token depends only on the last token, plus
 * one bit: whether a `signal` character occurs anywhere in the context (attention that attends evenly to every
 * position carries it). After the assistant prompt (`<|im_start|>assistant\n`) the model writes `firstTurn` when
 * given and no signal was seen (a function call, say), else `reply`; then `<|im_end|>`.
 */
export interface TinyModelScript {
  /** The assistant's answer, as tokens: each piece becomes one token, so the model's next step is always unambiguous. */
  reply: string[];
  /** What the model writes instead of `reply` while no signal character is in the context. */
  firstTurn?: string[];
  /** Characters whose presence in the context (a tool result, say) switches `firstTurn` to `reply`. */
  signal?: string;
  /** Repeat `reply` forever instead of ending it (for cancelling a generation midway). */
  loop?: boolean;
}

const CONTROL = ['<|im_start|>', '<|im_end|>', '<|endoftext|>'];
const CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const STRONG = 10;
const SUPPRESS = 1000;

/** GPT-2's reversible map from bytes to printable characters, which byte-level BPE vocabularies are written in. */
function bytesToUnicode(): string[] {
  const printable = new Set<number>();
  for (let b = 33; b <= 126; b++) printable.add(b);
  for (let b = 161; b <= 172; b++) printable.add(b);
  for (let b = 174; b <= 255; b++) printable.add(b);
  const map: string[] = [];
  let next = 0;
  for (let b = 0; b < 256; b++) map[b] = String.fromCodePoint(printable.has(b) ? b : 256 + next++);
  return map;
}

export function buildTinyModel(script: TinyModelScript): Buffer {
  const byteChars = bytesToUnicode();
  const encode = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => byteChars[b]).join('');
  const tokens = [...byteChars, ...CONTROL];
  const types = [...byteChars.map(() => 1), ...CONTROL.map(() => 3)];
  const idOf = new Map(tokens.map((token, id) => [token, id]));
  const tokenFor = (piece: string): number => {
    const text = encode(piece);
    let id = idOf.get(text);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(text);
      types.push(1);
      idOf.set(text, id);
    }
    return id;
  };
  const imEnd = idOf.get('<|im_end|>')!;
  const newline = idOf.get(byteChars[10])!;
  const chain = (pieces: string[]) => [newline, ...pieces.map(tokenFor), imEnd];
  const replyChain = script.loop ? [newline, ...script.reply.map(tokenFor), tokenFor(script.reply[0])] : chain(script.reply);
  const firstChain = script.firstTurn ? chain(script.firstTurn) : undefined;

  // Only the scripted tokens need an identity (one dimension each); every other token embeds as zeros but the
  // signal characters, which share one dimension. Attention writes "a signal was seen" into one more.
  const vocab = tokens.length;
  const scripted = [...new Set([...replyChain, ...(firstChain ?? [])])];
  const dimOf = new Map(scripted.map((id, index) => [id, index]));
  const signalIn = scripted.length;
  const signalSeen = scripted.length + 1;
  const dim = Math.max(8, 2 * Math.ceil((scripted.length + 2) / 2)); // even, for RoPE
  const matrix = (rows: number, cols: number) => new Float32Array(rows * cols);
  const tokenEmbd = matrix(vocab, dim);
  for (const [id, index] of dimOf) tokenEmbd[id * dim + index] = 1;
  const signalTokens = [...Buffer.from(script.signal ?? '', 'utf8')].map((b) => idOf.get(byteChars[b])!);
  for (const id of signalTokens) tokenEmbd[id * dim + signalIn] = 1;

  const output = matrix(vocab, dim);
  const next = new Map<number, number>();
  const link = (from: number, to: number, weight: number) => {
    if (weight === STRONG) {
      const existing = next.get(from);
      if (existing !== undefined && existing !== to) throw new Error(`token ${tokens[from]} would need two successors: give pieces that do not repeat`);
      next.set(from, to);
    }
    output[to * dim + dimOf.get(from)!] = weight;
  };
  const linkChain = (ids: number[], firstWeight: number) => ids.slice(0, -1).forEach((id, i) => link(id, ids[i + 1], i === 0 ? firstWeight : STRONG));
  const attnV = matrix(dim, dim);
  const attnOutput = matrix(dim, dim);
  if (firstChain) {
    linkChain(firstChain, STRONG);
    linkChain(replyChain, STRONG / 2);
    // Attention spreads evenly over the context, so its output carries the share of signal characters in it...
    attnV[0 * dim + signalIn] = 1;
    attnOutput[signalSeen * dim + 0] = 100;
    // ...and any signal pushes the first turn's opening token far down, so that the reply wins.
    output[firstChain[1] * dim + signalSeen] = -SUPPRESS;
  } else {
    linkChain(replyChain, STRONG);
  }

  const ones = (n: number) => new Float32Array(n).fill(1);
  const ff = 4;
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [dim, vocab], data: tokenEmbd },
    { name: 'output_norm.weight', dims: [dim], data: ones(dim) },
    { name: 'output.weight', dims: [dim, vocab], data: output },
    { name: 'blk.0.attn_norm.weight', dims: [dim], data: ones(dim) },
    { name: 'blk.0.attn_q.weight', dims: [dim, dim], data: matrix(dim, dim) },
    { name: 'blk.0.attn_k.weight', dims: [dim, dim], data: matrix(dim, dim) },
    { name: 'blk.0.attn_v.weight', dims: [dim, dim], data: attnV },
    { name: 'blk.0.attn_output.weight', dims: [dim, dim], data: attnOutput },
    { name: 'blk.0.ffn_norm.weight', dims: [dim], data: ones(dim) },
    { name: 'blk.0.ffn_gate.weight', dims: [dim, ff], data: matrix(ff, dim) },
    { name: 'blk.0.ffn_up.weight', dims: [dim, ff], data: matrix(ff, dim) },
    { name: 'blk.0.ffn_down.weight', dims: [ff, dim], data: matrix(dim, ff) },
  ];
  return encodeGguf(
    [
      ['general.architecture', { type: 'string', value: 'llama' }],
      ['general.name', { type: 'string', value: 'tiny-scripted' }],
      ['llama.context_length', { type: 'u32', value: 4096 }],
      ['llama.embedding_length', { type: 'u32', value: dim }],
      ['llama.block_count', { type: 'u32', value: 1 }],
      ['llama.feed_forward_length', { type: 'u32', value: ff }],
      ['llama.attention.head_count', { type: 'u32', value: 1 }],
      ['llama.attention.head_count_kv', { type: 'u32', value: 1 }],
      ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
      ['llama.rope.dimension_count', { type: 'u32', value: dim }],
      ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
      ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
      ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: tokens }],
      ['tokenizer.ggml.token_type', { type: 'array', of: 'i32', value: types }],
      ['tokenizer.ggml.merges', { type: 'array', of: 'string', value: [] }],
      ['tokenizer.ggml.bos_token_id', { type: 'u32', value: idOf.get('<|endoftext|>')! }],
      ['tokenizer.ggml.eos_token_id', { type: 'u32', value: imEnd }],
      ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
      ['tokenizer.chat_template', { type: 'string', value: CHAT_TEMPLATE }],
    ],
    tensors,
  );
}

export function writeTinyModel(path: string, script: TinyModelScript): string {
  writeFileSync(path, buildTinyModel(script));
  return path;
}
