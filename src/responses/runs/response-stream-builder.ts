import type { ApiError } from '../../common/api-error';
import { newId } from '../../common/ids';
import type {
  ClientToolCallItem,
  CustomToolCallItem,
  FunctionCallItem,
  InputItem,
  ItemStatus,
  JsonObject,
  MessageItem,
  OutputText,
  ReasoningItem,
  ResponseErrorBody,
  ResponseObject,
  ResponseStatus,
  Usage,
} from '../../common/openai/types';
import { addUsage } from '../../common/openai/usage';
import { storableText, StorableTextStream } from '../../common/storable-text';
import type { SerializedEvent } from '../../events/serialized-event';
import type { FinishReason, GenerationChunk } from '../../models/generation';
import type { ClientTool } from '../../tools/client-tools';
import type { HostedCallEvent, HostedCallResult, HostedTool } from '../../tools/hosted-tools';

export interface BuilderOptions {
  /** Also emit `response.tool_call.delta`, the older event that some clients read call ids from. */
  toolCallDeltaEvents: boolean;
  /** Write each event's JSON (default true); without it events carry only their type and sequence number. */
  serialize?: boolean;
  /** The functions of `namespace` tools by the name the backend knows them by (see offeredFunctions). */
  namespacedFunctions?: ReadonlyMap<string, { namespace: string; name: string }>;
  /** The names of the custom tools, whose calls are custom_tool_call items (see offeredFunctions). */
  customTools?: ReadonlySet<string>;
  /** The client tools with fixed arguments (local_shell, shell, apply_patch) by offered name (see offeredFunctions). */
  clientTools?: ReadonlyMap<string, ClientTool>;
  /** The hosted tools this server runs, by offered name (see offeredFunctions); their calls are run by the runner (see takeHostedCalls). */
  hostedTools?: ReadonlyMap<string, HostedTool>;
  /** Seals a finished reasoning item's content into its `encrypted_content` (`include: ["reasoning.encrypted_content"]`). */
  sealReasoning?: (item: ReasoningItem) => string;
}

interface OpenMessage {
  item: MessageItem;
  outputIndex: number;
  kind?: 'output_text' | 'refusal';
  /** The JSON of the open part's text delta events up to their delta. */
  textDeltaPrefix?: string;
  /** The open part's text, made storable delta by delta. */
  text: StorableTextStream;
}
interface OpenToolCall {
  item: FunctionCallItem;
  outputIndex: number;
  arguments: StorableTextStream;
}
/**
 * A call of a custom tool or a client tool: the backend's JSON arguments gather until the call closes, then the
 * item's fields are taken out of them (a custom tool's `input`; a shell's `action`, apply_patch's `operation`).
 */
interface OpenCustomCall {
  item: CustomToolCallItem | ClientToolCallItem | HostedCallItem;
  clientTool?: ClientTool;
  hostedTool?: HostedTool;
  /** A hosted call handed on to be run (it stays in progress meanwhile). */
  taken?: boolean;
  callId: string;
  outputIndex: number;
  arguments: StorableTextStream;
  gathered: string;
}
/** The call item of a hosted tool (`web_search_call`…): its type's fields come from the tool. */
type HostedCallItem = JsonObject & { id: string; type: string; status: string };
/** An item added before it is whole (see openItem). */
type OpenedItem = JsonObject & { id: string; type: string };

/** A hosted tool's call that the model has finished writing, waiting to be run (see ResponseStreamBuilder.takeHostedCalls). */
export interface HostedCall {
  item: HostedCallItem;
  tool: HostedTool;
  outputIndex: number;
  callId: string;
  /** The arguments as the model wrote them, and as an object (empty when they are not one). */
  argumentsText: string;
  arguments: JsonObject;
}

interface OpenReasoning {
  item: ReasoningItem;
  outputIndex: number;
  text: StorableTextStream;
}

/**
 * Turns a backend's generation chunks into the Responses object and its streaming events, in the exact order
 * OpenAI sends them. It owns the sequence numbers; a continuation (submit_tool_outputs) resumes from the last one.
 * What the model produced is made storable here (U+0000 and unpaired surrogates become U+FFFD, a pair split across
 * chunks is joined), so the stream, the event log and the stored response carry the same text.
 */
export class ResponseStreamBuilder {
  private sequence: number;
  private message?: OpenMessage;
  private reasoning?: OpenReasoning;
  private readonly toolCalls = new Map<number, OpenToolCall>();
  private readonly customCalls = new Map<number, OpenCustomCall>();
  /** Hosted calls the model finished writing in this turn, not yet run; and those running. */
  private hostedCalls: HostedCall[] = [];
  private readonly runningHostedCalls = new Set<HostedCall>();
  /** Items openItem added and closeItem has not ended yet, with how to end each if the response ends first. */
  private readonly openedItems = new Map<string, { item: OpenedItem; cut: () => HostedCallEvent[] }>();
  /** The hosted tools by offered name: the configured ones, and those a run adds (a remote MCP server's). */
  private readonly hostedTools: Map<string, HostedTool>;
  /** Whether a call of this turn waits for the user's approval (see HostedTool.awaitsApproval). */
  private approvalsRequested = false;
  private finishReason?: FinishReason;
  /** The usage of the response's earlier model turns (see nextTurn). */
  private earlierUsage: ResponseObject['usage'] = null;

  constructor(
    readonly response: ResponseObject,
    lastSequenceNumber: number,
    private readonly options: BuilderOptions,
  ) {
    this.sequence = lastSequenceNumber;
    this.hostedTools = new Map(options.hostedTools);
  }

  /** More hosted tools the model is offered (a remote MCP server's, listed as the run starts). */
  offerHostedTools(tools: ReadonlyMap<string, HostedTool>): void {
    for (const [name, tool] of tools) this.hostedTools.set(name, tool);
  }

  /** Adds an item that is whole at once (a compaction item, a listing of MCP tools), with the events that tell it. */
  addDoneItem(item: OpenedItem, { asAdded = item, events = [] }: { asAdded?: JsonObject; events?: HostedCallEvent[] } = {}): SerializedEvent[] {
    return [...this.openItem(item, asAdded, events), ...this.closeItem(item)];
  }

  /**
   * Adds an item that becomes whole later (a listing of MCP tools under way): `output_item.added` with the item as
   * `asAdded` shows it, then `events`. closeItem ends it; if the response ends first, `cut` ends it (it may change
   * the item, and gives the events that tell so).
   */
  openItem(item: OpenedItem, asAdded: JsonObject, events: HostedCallEvent[] = [], cut: () => HostedCallEvent[] = () => []): SerializedEvent[] {
    const outputIndex = this.addOutput(item as HostedCallItem);
    this.openedItems.set(item.id, { item, cut });
    return [this.emit('response.output_item.added', { output_index: outputIndex, item: asAdded }), ...this.itemEvents(outputIndex, item, events)];
  }

  /** `events`, then `output_item.done`, for an item openItem added (whole by now). */
  closeItem(item: OpenedItem, events: HostedCallEvent[] = []): SerializedEvent[] {
    this.openedItems.delete(item.id);
    const outputIndex = this.response.output.findIndex((output) => output.id === item.id);
    return [...this.itemEvents(outputIndex, item, events), this.emit('response.output_item.done', { output_index: outputIndex, item })];
  }

  /** Ends the items openItem added that are not whole yet, each as its `cut` says. */
  closeOpenedItems(): SerializedEvent[] {
    return [...this.openedItems.values()].flatMap(({ item, cut }) => this.closeItem(item, cut()));
  }

  private itemEvents(outputIndex: number, item: { id: string }, events: HostedCallEvent[]): SerializedEvent[] {
    return events.map((event) => this.emit(event.type, { output_index: outputIndex, item_id: item.id, ...event.fields }));
  }

  get lastSequenceNumber(): number {
    return this.sequence;
  }

  /** `response.created` and `response.queued`, for a background response waiting for a worker. */
  queued(): SerializedEvent[] {
    this.response.status = 'queued';
    return [this.emit('response.created', { response: this.response }), this.emit('response.queued', { response: this.response })];
  }

  /** `response.created` then `response.in_progress` for a fresh response. */
  created(): SerializedEvent[] {
    this.response.status = 'in_progress';
    // Both carry the same response: it is serialized once.
    const response = this.options.serialize === false ? '' : JSON.stringify(this.response);
    return [this.emitWithResponse('response.created', response), this.emitWithResponse('response.in_progress', response)];
  }

  /** `response.in_progress` when a queued response starts or a response resumes after tool outputs. */
  inProgress(): SerializedEvent[] {
    this.response.status = 'in_progress';
    this.response.completed_at = null;
    return [this.emit('response.in_progress', { response: this.response })];
  }

  push(chunk: GenerationChunk): SerializedEvent[] {
    switch (chunk.type) {
      case 'text':
      case 'refusal':
        return this.pushMessage(chunk.type === 'text' ? 'output_text' : 'refusal', chunk.delta);
      case 'reasoning':
        return this.pushReasoning(chunk.delta);
      case 'tool_call':
        return this.pushToolCall(chunk);
      case 'usage':
        this.response.usage = addUsage(this.earlierUsage, chunk.usage);
        return [];
      case 'finish':
        this.finishReason = chunk.reason;
        return [];
    }
  }

  /** Closes every open item and ends the response as completed, or incomplete when the output was cut short. */
  complete(): SerializedEvent[] {
    const incompleteReason = this.finishReason === 'length' ? 'max_output_tokens' : this.finishReason === 'content_filter' ? 'content_filter' : null;
    const events = this.closeAll(incompleteReason ? 'incomplete' : 'completed');
    if (incompleteReason) {
      this.response.incomplete_details = { reason: incompleteReason };
      return [...events, ...this.finish('incomplete', 'response.incomplete')];
    }
    return [...events, ...this.finish('completed', 'response.completed')];
  }

  /** The run's conversation was compacted first (context_management): its output begins with the compaction item. */
  compacted(item: InputItem, usage: Usage): SerializedEvent[] {
    this.earlierUsage = this.response.usage = addUsage(this.response.usage, usage);
    return this.addDoneItem(item as JsonObject & { id: string; type: string });
  }

  /** Whether a call of the model's turn waits for the user's approval: the response then ends for the user to answer. */
  get awaitsApproval(): boolean {
    return this.approvalsRequested;
  }

  /** Whether the model called a hosted tool in this turn (the turn then ends with takeHostedCalls, not complete). */
  get calledHostedTools(): boolean {
    return this.hostedCalls.length > 0 || [...this.customCalls.values()].some((call) => call.hostedTool && call.item.status === 'in_progress');
  }

  /** Whether the model called a tool that its client runs, since the builder started. */
  get calledClientTools(): boolean {
    return this.toolCalls.size > 0 || [...this.customCalls.values()].some((call) => !call.hostedTool);
  }

  /** Closes the model's turn: every item it opened, and the hosted calls it made, which are given back to be run. */
  takeHostedCalls(): { events: SerializedEvent[]; calls: HostedCall[] } {
    const events = this.closeAll('completed');
    const calls = this.hostedCalls;
    this.hostedCalls = [];
    calls.forEach((call) => this.runningHostedCalls.add(call));
    return { events, calls };
  }

  /** A hosted call made without the model (one the user approved earlier): its item opens with the arguments given. */
  openHostedCall(tool: HostedTool, argumentsText: string): { call: HostedCall; events: SerializedEvent[] } {
    const item = { id: newId(tool.idPrefix), ...tool.openItem() } as HostedCallItem;
    const outputIndex = this.addOutput(item);
    const call: HostedCall = { item, tool, outputIndex, callId: item.id, argumentsText, arguments: argumentsObject(argumentsText) };
    this.runningHostedCalls.add(call);
    const events = [this.emit('response.output_item.added', { output_index: outputIndex, item })];
    for (const event of tool.openedEvents) events.push(this.emit(event.type, { output_index: outputIndex, item_id: item.id, ...event.fields }));
    return { call, events };
  }

  /** Hosted calls starting to run. */
  hostedCallsRunning(calls: HostedCall[]): SerializedEvent[] {
    return calls.flatMap(({ item, tool, outputIndex, argumentsText }) => {
      const { fields, status, events } = tool.running(argumentsText);
      Object.assign(item, fields);
      item.status = status;
      return events.map((event) => this.emit(event.type, { output_index: outputIndex, item_id: item.id, ...event.fields }));
    });
  }

  /** A hosted call that has run, with its result's fields. */
  hostedCallDone(call: HostedCall, result: HostedCallResult): SerializedEvent[] {
    const { item, tool, outputIndex } = call;
    this.runningHostedCalls.delete(call);
    Object.assign(item, result.fields);
    item.status = result.status;
    const events =
      result.status === 'completed' || tool.hasFailedEvent
        ? [this.emit(`${tool.eventPrefix}.${result.status}`, { output_index: outputIndex, item_id: item.id })]
        : [];
    events.push(this.emit('response.output_item.done', { output_index: outputIndex, item }));
    return events;
  }

  /** The model is asked again (its hosted calls have run): a new turn, whose usage adds to the earlier turns'. */
  nextTurn(): void {
    this.earlierUsage = this.response.usage;
    this.finishReason = undefined;
    this.toolCalls.clear();
    this.customCalls.clear();
  }

  fail(error: ResponseErrorBody): SerializedEvent[] {
    const events = this.closeAll('incomplete');
    this.response.error = error;
    return [...events, ...this.finish('failed', 'response.failed')];
  }

  /** The client went away or cancelled: what was generated stays, marked incomplete. */
  cancel(): SerializedEvent[] {
    const events = this.closeAll('incomplete');
    return [...events, ...this.finish('cancelled', 'response.cancelled')];
  }

  /** An `error` event, for failures that are the request's fault and not the response's. */
  error(error: ApiError): SerializedEvent {
    return this.emit('error', { code: error.code, message: error.message, param: error.param });
  }

  /** Function calls produced since the builder started (for tool-call records). */
  get newToolCalls(): FunctionCallItem[] {
    return [...this.toolCalls.values()].map((call) => call.item);
  }

  private finish(status: ResponseStatus, type: string): SerializedEvent[] {
    this.response.status = status;
    this.response.completed_at = status === 'completed' ? Math.floor(Date.now() / 1000) : null;
    return [this.emit(type, { response: this.response })];
  }

  private pushMessage(kind: 'output_text' | 'refusal', delta: string): SerializedEvent[] {
    const message = this.message;
    // The usual chunk: more text for the part already open, nothing to close or open first.
    if (message?.kind === kind && kind === 'output_text' && !this.reasoning && !this.hasOpenToolCall()) {
      const text = message.text.push(delta);
      return heldBack(delta, text) ? [] : [this.textDelta(message, text)];
    }
    return this.pushMessageEvents(kind, delta);
  }

  private pushMessageEvents(kind: 'output_text' | 'refusal', delta: string): SerializedEvent[] {
    const events = [...this.closeReasoning('completed'), ...this.closeToolCalls('completed')];
    if (!this.message) {
      const item: MessageItem = { id: newId('msg'), type: 'message', status: 'in_progress', content: [], role: 'assistant' };
      this.message = { item, outputIndex: this.addOutput(item), text: new StorableTextStream() };
      events.push(this.emit('response.output_item.added', { output_index: this.message.outputIndex, item }));
    }
    const message = this.message;
    if (message.kind !== kind) {
      if (message.kind) events.push(...this.closePart(message));
      message.kind = kind;
      message.textDeltaPrefix = undefined;
      const part = kind === 'output_text' ? emptyText() : { type: 'refusal' as const, refusal: '' };
      message.item.content.push(part);
      events.push(this.emit('response.content_part.added', this.partRef(message, { part })));
    }
    const text = message.text.push(delta);
    if (!heldBack(delta, text)) events.push(this.partDelta(message, text));
    return events;
  }

  /** More text or refusal for the message's open part. */
  private partDelta(message: OpenMessage, delta: string): SerializedEvent {
    const part = message.item.content[message.item.content.length - 1];
    if (part.type === 'output_text') return this.textDelta(message, delta);
    part.refusal += delta;
    return this.emit('response.refusal.delta', this.partRef(message, { delta }));
  }

  /** More text for the message's open part: an event whose JSON differs from the part's last one only in its delta and sequence number. */
  private textDelta(message: OpenMessage, delta: string): SerializedEvent {
    const part = message.item.content[message.item.content.length - 1] as OutputText;
    part.text += delta;
    if (this.options.serialize === false) return this.emit('response.output_text.delta', {});
    this.sequence += 1;
    message.textDeltaPrefix ??= JSON.stringify({ type: 'response.output_text.delta', ...this.partRef(message, {}) }).slice(0, -1);
    return {
      type: 'response.output_text.delta',
      sequenceNumber: this.sequence,
      json: `${message.textDeltaPrefix},"delta":${JSON.stringify(delta)},"logprobs":[],"sequence_number":${this.sequence}}`,
    };
  }

  private hasOpenToolCall(): boolean {
    for (const { item } of this.toolCalls.values()) if (item.status === 'in_progress') return true;
    for (const { item } of this.customCalls.values()) if (item.status === 'in_progress') return true;
    return false;
  }

  private pushReasoning(delta: string): SerializedEvent[] {
    const events: SerializedEvent[] = [];
    if (!this.reasoning) {
      const item: ReasoningItem = { id: newId('rs'), type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: '' }] };
      this.reasoning = { item, outputIndex: this.addOutput(item), text: new StorableTextStream() };
      events.push(this.emit('response.output_item.added', { output_index: this.reasoning.outputIndex, item: { ...item, content: [] } }));
    }
    const text = this.reasoning.text.push(delta);
    if (!heldBack(delta, text)) events.push(this.reasoningDelta(this.reasoning, text));
    return events;
  }

  private reasoningDelta({ item, outputIndex }: OpenReasoning, delta: string): SerializedEvent {
    item.content![0].text += delta;
    return this.emit('response.reasoning_text.delta', { item_id: item.id, output_index: outputIndex, content_index: 0, delta });
  }

  private pushToolCall(chunk: Extract<GenerationChunk, { type: 'tool_call' }>): SerializedEvent[] {
    const events: SerializedEvent[] = [];
    let call = this.toolCalls.get(chunk.index);
    const structured =
      chunk.name !== undefined && (this.options.customTools?.has(chunk.name) || this.options.clientTools?.has(chunk.name) || this.hostedTools.has(chunk.name));
    if (!call && (this.customCalls.has(chunk.index) || structured)) return this.pushCustomCall(chunk);
    if (!call && this.callLimitReached()) return events;
    if (!call) {
      events.push(...this.closeReasoning('completed'), ...this.closeMessage('completed'));
      const item: FunctionCallItem = {
        id: newId('fc'),
        type: 'function_call',
        status: 'in_progress',
        arguments: '',
        call_id: chunk.callId ? storableText(chunk.callId) : newId('call'),
        name: '',
      };
      this.nameCall(item, chunk.name ?? '');
      call = { item, outputIndex: this.addOutput(item), arguments: new StorableTextStream() };
      this.toolCalls.set(chunk.index, call);
      events.push(this.emit('response.output_item.added', { output_index: call.outputIndex, item }));
    } else if (chunk.name && !call.item.name) {
      this.nameCall(call.item, chunk.name);
    }
    const argumentsDelta = call.arguments.push(chunk.argumentsDelta);
    if (argumentsDelta) events.push(this.argumentsDelta(call, argumentsDelta));
    if (this.options.toolCallDeltaEvents) {
      const calls = [...this.toolCalls.values()].map(({ item }) => ({ id: item.call_id, type: 'function', name: item.name, arguments: item.arguments }));
      events.push(this.emit('response.tool_call.delta', { item_id: call.item.id, output_index: call.outputIndex, delta: JSON.stringify(calls) }));
    }
    return events;
  }

  /**
   * A call of a custom tool, a client tool or a hosted tool: opened like a function call; a custom tool's `input` is
   * streamed once the backend's arguments are whole, a client tool's fields are set from them, and a hosted call waits
   * to be run (takeHostedCalls).
   */
  private pushCustomCall(chunk: Extract<GenerationChunk, { type: 'tool_call' }>): SerializedEvent[] {
    const events: SerializedEvent[] = [];
    let call = this.customCalls.get(chunk.index);
    if (!call) {
      if (this.callLimitReached()) return events;
      events.push(...this.closeReasoning('completed'), ...this.closeMessage('completed'));
      const callId = chunk.callId ? storableText(chunk.callId) : newId('call');
      const clientTool = this.options.clientTools?.get(chunk.name ?? '');
      const hostedTool = this.hostedTools.get(chunk.name ?? '');
      const item: OpenCustomCall['item'] = hostedTool
        ? ({ id: newId(hostedTool.idPrefix), ...hostedTool.openItem() } as HostedCallItem)
        : clientTool
          ? {
              id: newId(CLIENT_CALL_PREFIXES[clientTool.callType]),
              type: clientTool.callType as ClientToolCallItem['type'],
              status: 'in_progress',
              call_id: callId,
              ...clientTool.fieldsOf({}),
            }
          : { id: newId('ctc'), type: 'custom_tool_call', status: 'in_progress', call_id: callId, name: storableText(chunk.name ?? ''), input: '' };
      call = { item, clientTool, hostedTool, callId, outputIndex: this.addOutput(item), arguments: new StorableTextStream(), gathered: '' };
      this.customCalls.set(chunk.index, call);
      events.push(this.emit('response.output_item.added', { output_index: call.outputIndex, item }));
      for (const event of hostedTool?.openedEvents ?? [])
        events.push(this.emit(event.type, { output_index: call.outputIndex, item_id: item.id, ...event.fields }));
    }
    call.gathered += call.arguments.push(chunk.argumentsDelta);
    return events;
  }

  /** A call's name as the client defined it: a namespaced function's name and namespace apart. */
  private nameCall(item: FunctionCallItem, offeredName: string): void {
    const namespaced = this.options.namespacedFunctions?.get(offeredName);
    if (namespaced) {
      item.name = namespaced.name;
      item.namespace = namespaced.namespace;
    } else item.name = storableText(offeredName);
  }

  private argumentsDelta(call: OpenToolCall, delta: string): SerializedEvent {
    call.item.arguments += delta;
    return this.emit('response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.outputIndex, delta });
  }

  private callLimitReached(): boolean {
    return toolCallLimitReached(this.response);
  }

  private closeAll(status: ItemStatus): SerializedEvent[] {
    return [
      ...this.closeOpenedItems(),
      ...this.closeReasoning(status),
      ...this.closeMessage(status),
      ...this.closeToolCalls(status),
      ...this.closeHostedCalls(status),
    ];
  }

  /** Hosted calls not run (the response ends first): ended with the response's items. */
  private closeHostedCalls(status: ItemStatus): SerializedEvent[] {
    if (status === 'completed') return [];
    const calls = [...this.hostedCalls, ...this.runningHostedCalls];
    this.hostedCalls = [];
    this.runningHostedCalls.clear();
    return calls.map(({ item, outputIndex }) => {
      item.status = status;
      return this.emit('response.output_item.done', { output_index: outputIndex, item });
    });
  }

  private closeMessage(status: ItemStatus): SerializedEvent[] {
    const message = this.message;
    if (!message) return [];
    this.message = undefined;
    const events = message.kind ? this.closePart(message) : [];
    message.item.status = status;
    events.push(this.emit('response.output_item.done', { output_index: message.outputIndex, item: message.item }));
    return events;
  }

  private closePart(message: OpenMessage): SerializedEvent[] {
    const rest = message.text.end();
    const events = rest ? [this.partDelta(message, rest)] : [];
    message.text = new StorableTextStream();
    const part = message.item.content[message.item.content.length - 1];
    const done =
      part.type === 'output_text'
        ? this.emit('response.output_text.done', this.partRef(message, { text: part.text, logprobs: [] }))
        : this.emit('response.refusal.done', this.partRef(message, { refusal: part.refusal }));
    events.push(done, this.emit('response.content_part.done', this.partRef(message, { part })));
    return events;
  }

  private closeReasoning(status: ItemStatus): SerializedEvent[] {
    const reasoning = this.reasoning;
    if (!reasoning) return [];
    this.reasoning = undefined;
    const { item, outputIndex } = reasoning;
    const rest = reasoning.text.end();
    const events = rest ? [this.reasoningDelta(reasoning, rest)] : [];
    item.status = status;
    if (this.options.sealReasoning) item.encrypted_content = this.options.sealReasoning(item);
    return [
      ...events,
      this.emit('response.reasoning_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text: item.content![0].text }),
      this.emit('response.output_item.done', { output_index: outputIndex, item }),
    ];
  }

  private closeToolCalls(status: ItemStatus): SerializedEvent[] {
    const open = [...this.toolCalls.values(), ...this.customCalls.values()].filter(
      (call) => (call.item.status === 'in_progress' || ('hostedTool' in call && call.hostedTool?.awaitsApproval)) && !('taken' in call && call.taken),
    );
    const events: SerializedEvent[] = [];
    for (const call of open.sort((a, b) => a.outputIndex - b.outputIndex)) {
      if ('gathered' in call) {
        events.push(...this.closeCustomCall(call, status));
        continue;
      }
      const { item, outputIndex } = call;
      const rest = call.arguments.end();
      if (rest) events.push(this.argumentsDelta(call, rest));
      item.status = status;
      events.push(
        this.emit('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, name: item.name, arguments: item.arguments }),
        this.emit('response.output_item.done', { output_index: outputIndex, item }),
      );
    }
    return events;
  }

  private closeCustomCall(call: OpenCustomCall, status: ItemStatus): SerializedEvent[] {
    const { item, outputIndex, clientTool, hostedTool } = call;
    const gathered = call.gathered + call.arguments.end();
    if (hostedTool?.awaitsApproval) {
      // An approval request: whole once written, never run here (see HostedTool.awaitsApproval).
      (item as HostedCallItem).arguments = gathered;
      this.approvalsRequested = true;
      call.taken = true;
      return [this.emit('response.output_item.done', { output_index: outputIndex, item })];
    }
    if (hostedTool && status === 'completed') {
      // Still in progress: it is run once the model's turn ends.
      this.hostedCalls.push({
        item: item as HostedCallItem,
        tool: hostedTool,
        outputIndex,
        callId: call.callId,
        argumentsText: gathered,
        arguments: argumentsObject(gathered),
      });
      call.taken = true;
      return [];
    }
    item.status = status;
    if (hostedTool) return [this.emit('response.output_item.done', { output_index: outputIndex, item })];
    if (item.type !== 'custom_tool_call') {
      Object.assign(item, clientTool!.fieldsOf(argumentsObject(gathered)));
      return [this.emit('response.output_item.done', { output_index: outputIndex, item })];
    }
    item.input = customInput(gathered);
    const events = item.input ? [this.emit('response.custom_tool_call_input.delta', { item_id: item.id, output_index: outputIndex, delta: item.input })] : [];
    events.push(
      this.emit('response.custom_tool_call_input.done', { item_id: item.id, output_index: outputIndex, input: item.input }),
      this.emit('response.output_item.done', { output_index: outputIndex, item }),
    );
    return events;
  }

  /** The fields of an event about the message's open part, then `fields`. */
  private partRef(message: OpenMessage, fields: object) {
    // Spread after the literal's own fields: V8 in Node 20 gives an object literal that opens with a spread and adds
    // properties after it a hidden class of its own, made in the old generation (about 400 bytes each time).
    return { item_id: message.item.id, output_index: message.outputIndex, content_index: message.item.content.length - 1, ...fields };
  }

  private addOutput(item: MessageItem | FunctionCallItem | CustomToolCallItem | ClientToolCallItem | HostedCallItem | ReasoningItem): number {
    this.response.output.push(item as ResponseObject['output'][number]);
    return this.response.output.length - 1;
  }

  private emit(type: string, fields: Record<string, unknown>): SerializedEvent {
    this.sequence += 1;
    if (this.options.serialize === false) return { type, sequenceNumber: this.sequence, json: '' };
    return { type, sequenceNumber: this.sequence, json: JSON.stringify({ type, ...fields, sequence_number: this.sequence }) };
  }

  /** What `emit(type, { response })` gives, from the response's JSON made once for several events. */
  private emitWithResponse(type: string, responseJson: string): SerializedEvent {
    this.sequence += 1;
    if (this.options.serialize === false) return { type, sequenceNumber: this.sequence, json: '' };
    return { type, sequenceNumber: this.sequence, json: `{"type":${JSON.stringify(type)},"response":${responseJson},"sequence_number":${this.sequence}}` };
  }
}

/** `max_tool_calls` counts every call of the response, continuations and hosted calls included; calls beyond it are dropped. */
export function toolCallLimitReached(response: ResponseObject): boolean {
  const limit = response.max_tool_calls;
  // Calls are the items whose type ends in _call (function_call, custom_tool_call, shell_call, web_search_call, mcp_call…).
  return limit !== null && limit !== undefined && response.output.filter((item) => item.type.endsWith('_call')).length >= limit;
}

/** The ids of client tool calls, by their type. */
const CLIENT_CALL_PREFIXES: Record<string, 'lsc' | 'shc' | 'apc'> = { local_shell_call: 'lsc', shell_call: 'shc', apply_patch_call: 'apc' };

/** The arguments the backend wrote, as an object (empty when they are not one). */
function argumentsObject(gathered: string): JsonObject {
  try {
    const parsed = JSON.parse(gathered) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
  } catch {
    return {};
  }
}

/** The input of a custom tool's call from the arguments the backend wrote: `{"input": "…"}`, or the text itself. */
function customInput(gathered: string): string {
  const { input } = argumentsObject(gathered);
  // Anything else: a backend that wrote the input itself.
  return typeof input === 'string' ? input : gathered;
}

/** A delta whose every character waits for the next one (the first half of a surrogate pair). */
function heldBack(delta: string, text: string): boolean {
  return text === '' && delta !== '';
}

function emptyText(): OutputText {
  return { type: 'output_text', text: '', annotations: [], logprobs: [] };
}
