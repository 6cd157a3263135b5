/** Wire types of the Responses API that several modules share (a subset of OpenAI's, kept as plain JSON). */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface FunctionTool {
  type: 'function';
  name: string;
  description: string | null;
  parameters: JsonObject | null;
  strict: boolean | null;
}

/** A tool whose input is free text (`apply_patch` for Codex models), optionally in a grammar's language. */
export interface CustomTool {
  type: 'custom';
  name: string;
  description: string | null;
  format: { type: 'text' } | { type: 'grammar'; syntax: 'lark' | 'regex'; definition: string };
}

/** A group of function tools (Codex CLI's `multi_agent_v1`, for instance): offered flattened, called with their namespace. */
export interface NamespaceTool {
  type: 'namespace';
  name: string;
  description: string | null;
  tools: FunctionTool[];
}

/** A tool OpenAI runs itself (web_search, file_search…) or one this server does not translate yet: kept as sent, not offered. */
export interface OtherTool {
  type: string;
  [key: string]: Json;
}

/** Any tool of a request, as the response echoes it. */
export type ResponseTool = FunctionTool | CustomTool | NamespaceTool | OtherTool;

/** What a model may do with its tools: decide, not call, call one, call this one. */
export type FunctionToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string };

/** As the API takes it: also a subset of the tools the model may call (`allowed_tools`), the rest staying defined. */
export type ToolChoice =
  | FunctionToolChoice
  | { type: 'allowed_tools'; mode: 'auto' | 'required'; tools: Array<{ type: 'function'; name: string }> }
  /** A custom tool, a client tool (shell, apply_patch) or a tool OpenAI runs (web_search_preview, mcp…), as sent. */
  | { type: string; name?: string; server_label?: string };

export type TextFormat =
  { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; name: string; schema: JsonObject; strict?: boolean | null; description?: string | null };

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: Json[];
  logprobs: Json[];
}
export interface Refusal {
  type: 'refusal';
  refusal: string;
}

export interface MessageItem {
  id: string;
  type: 'message';
  role: 'assistant';
  status: ItemStatus;
  content: Array<OutputText | Refusal>;
}

export interface FunctionCallItem {
  id: string;
  type: 'function_call';
  status: ItemStatus;
  call_id: string;
  name: string;
  arguments: string;
  /** The namespace of a function of a `namespace` tool. */
  namespace?: string;
}

/** A call of a custom tool: its raw `input` text, for the client to run. */
export interface CustomToolCallItem {
  id: string;
  type: 'custom_tool_call';
  status: ItemStatus;
  call_id: string;
  name: string;
  input: string;
}

/** A call of a client tool with fixed arguments (see client-tools.ts): `action` (shells) or `operation` (apply_patch). */
export interface ClientToolCallItem {
  id: string;
  type: 'local_shell_call' | 'shell_call' | 'apply_patch_call';
  status: ItemStatus;
  call_id: string;
  [field: string]: Json;
}

export interface ReasoningItem {
  id: string;
  type: 'reasoning';
  status?: ItemStatus;
  summary: Json[];
  content?: Array<{ type: 'reasoning_text'; text: string }>;
  /** The item's content sealed by the server, for clients that keep nothing stored (`include: ["reasoning.encrypted_content"]`). */
  encrypted_content?: string;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';
export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem | ClientToolCallItem | ReasoningItem;

/** Any input item as a client sent it (validated by the responses DTOs), with the id we gave it. */
export type InputItem = JsonObject & { type: string; id?: string };

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'failed' | 'incomplete' | 'cancelled';

export interface ResponseErrorBody {
  code: string;
  message: string;
}

/** The Response object exactly as the API returns it. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  completed_at: number | null;
  error: ResponseErrorBody | null;
  incomplete_details: { reason: string } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  prompt_cache_key: string | null;
  reasoning: { effort: string | null; summary: string | null };
  safety_identifier: string | null;
  service_tier: string;
  store: boolean;
  temperature: number;
  top_p: number;
  presence_penalty: number;
  frequency_penalty: number;
  top_logprobs: number;
  text: { format: TextFormat; verbosity: string };
  tool_choice: ToolChoice;
  tools: ResponseTool[];
  truncation: 'auto' | 'disabled';
  usage: Usage | null;
  user: string | null;
  metadata: Record<string, string>;
  conversation: { id: string } | null;
  prompt: null;
}

/** A streaming event: its type, sequence_number and the type-specific fields. */
export type StreamEvent = { type: string; sequence_number: number } & Record<string, unknown>;
