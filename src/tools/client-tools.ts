import type { FunctionTool, InputItem, Json, JsonObject } from '../common/openai/types';

/**
 * The tool types OpenAI defines for tools the client runs with fixed arguments (a shell, a patch): offered to a
 * backend as functions with their documented schemas, their calls returned as the items OpenAI returns, and those
 * items (and their outputs) sent back to the backend as the function call and its result.
 */
export interface ClientTool {
  /** The function a backend is offered (named as the tool type). */
  offered: FunctionTool;
  /** The call item's type, and its output item's. */
  callType: string;
  outputType: string;
  /** The call item's own fields, from the function arguments the backend wrote. */
  fieldsOf(args: JsonObject): JsonObject;
  /** The function arguments a call item stands for, as the backend wrote them. */
  argumentsOf(item: InputItem): JsonObject;
  /** An output item as the text the backend is given. */
  outputText(item: InputItem): string;
}

const stringArray = { type: 'array', items: { type: 'string' } };
const strings = (value: Json | undefined): string[] => (Array.isArray(value) ? value.map(String) : []);
const integerOrNull = (value: Json | undefined): number | null => (typeof value === 'number' ? value : null);

export const CLIENT_TOOLS: Record<string, ClientTool> = {
  local_shell: {
    offered: {
      type: 'function',
      name: 'local_shell',
      description: 'Runs a command on the user\'s machine. `command` is the argv list, e.g. ["bash", "-lc", "ls -la"].',
      parameters: {
        type: 'object',
        properties: { command: stringArray, working_directory: { type: 'string' }, timeout_ms: { type: 'integer' } },
        required: ['command'],
      },
      strict: null,
    },
    callType: 'local_shell_call',
    outputType: 'local_shell_call_output',
    fieldsOf: (args) => ({
      action: {
        type: 'exec',
        command: strings(args.command),
        env: {},
        timeout_ms: integerOrNull(args.timeout_ms),
        user: null,
        working_directory: typeof args.working_directory === 'string' ? args.working_directory : null,
      },
    }),
    argumentsOf: (item) => {
      const action = (item.action ?? {}) as JsonObject;
      return {
        command: action.command ?? [],
        ...(action.working_directory ? { working_directory: action.working_directory } : {}),
        ...(action.timeout_ms ? { timeout_ms: action.timeout_ms } : {}),
      };
    },
    outputText: (item) => String(item.output ?? ''),
  },
  shell: {
    offered: {
      type: 'function',
      name: 'shell',
      description: "Runs shell commands in the user's environment, one after another; each gets its stdout, stderr and exit code back.",
      parameters: {
        type: 'object',
        properties: { commands: stringArray, timeout_ms: { type: 'integer' }, max_output_length: { type: 'integer' } },
        required: ['commands'],
      },
      strict: null,
    },
    callType: 'shell_call',
    outputType: 'shell_call_output',
    fieldsOf: (args) => ({
      action: { commands: strings(args.commands), timeout_ms: integerOrNull(args.timeout_ms), max_output_length: integerOrNull(args.max_output_length) },
      environment: null,
    }),
    argumentsOf: (item) => {
      const action = (item.action ?? {}) as JsonObject;
      return { commands: action.commands ?? [], ...(action.timeout_ms ? { timeout_ms: action.timeout_ms } : {}) };
    },
    outputText: (item) =>
      (Array.isArray(item.output) ? (item.output as JsonObject[]) : [])
        .map((result) => {
          const outcome = (result.outcome ?? {}) as JsonObject;
          const ended = outcome.type === 'timeout' ? 'timed out' : `exit code ${String(outcome.exit_code ?? '?')}`;
          return `${ended}\nstdout:\n${String(result.stdout ?? '')}\nstderr:\n${String(result.stderr ?? '')}`;
        })
        .join('\n\n'),
  },
  apply_patch: {
    offered: {
      type: 'function',
      name: 'apply_patch',
      description: 'Creates, updates or deletes one file. For create_file and update_file, `diff` is a V4A diff of the change.',
      parameters: {
        type: 'object',
        properties: {
          operation: {
            type: 'object',
            properties: { type: { type: 'string', enum: ['create_file', 'update_file', 'delete_file'] }, path: { type: 'string' }, diff: { type: 'string' } },
            required: ['type', 'path'],
          },
        },
        required: ['operation'],
      },
      strict: null,
    },
    callType: 'apply_patch_call',
    outputType: 'apply_patch_call_output',
    fieldsOf: (args) => ({ operation: typeof args.operation === 'object' && args.operation !== null ? args.operation : {} }),
    argumentsOf: (item) => ({ operation: item.operation ?? {} }),
    outputText: (item) => `${String(item.status ?? 'completed')}${item.output ? `: ${String(item.output)}` : ''}`,
  },
};

/** The client tool whose call or output item this is, if any. */
export function clientToolOfItem(type: string): ClientTool | undefined {
  return Object.values(CLIENT_TOOLS).find((tool) => tool.callType === type || tool.outputType === type);
}
