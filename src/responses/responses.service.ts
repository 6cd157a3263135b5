import { Injectable, Logger } from '@nestjs/common';
import { ignoreElements, lastValueFrom, Observable } from 'rxjs';

import { ApiError } from '../common/api-error';
import type { Cancellation } from '../common/cancellation';
import { withIds } from '../common/openai/input-items';
import { itemList } from '../common/openai/item-lists';
import type { InputItem, ResponseObject } from '../common/openai/types';
import { AppConfig } from '../config/app-config';
import { HeavyReads } from '../database/heavy-reads';
import { EventLogService } from '../events/event-log.service';
import { paced } from '../events/paced';
import type { SerializedEvent } from '../events/serialized-event';
import { McpRuns } from '../mcp/mcp-runs';
import { mcpCredentialsOf } from '../mcp/mcp-tools';
import { ModelRegistry } from '../models/model-registry.service';
import { ToolOffers } from '../tools/tool-offers';
import { abortOn } from './abort-on';
import { BackgroundResponses } from './background/background-responses';
import type { CreateResult } from './create-result';
import type { CountInputTokensDto, CreateResponseDto } from './dto/create-response.dto';
import type { ListInputItemsQuery } from './dto/list-input-items.query';
import { generationRequest, newResponse, samplingOf } from './runs/response-factory';
import { ResponseInputs } from './runs/response-inputs';
import { eventsOfFinishedResponse } from './runs/response-replay';
import { conversationTurn, ResponseRunner } from './runs/response-runner';
import { isRunning, toResponseObject } from './store/response.mapper';
import { ResponsesRepository } from './store/responses.repository';

/** A response whose items (all the model was given, then its output) its caller holds. */
export interface EarlierResponse {
  id: string;
  items: InputItem[];
  /** About how much its items hold as JSON: the messages that made them and the responses that answered them. */
  bytes: number;
}

/** The Responses API use cases. */
@Injectable()
export class ResponsesService {
  private readonly logger = new Logger(ResponsesService.name);

  constructor(
    private readonly models: ModelRegistry,
    private readonly repository: ResponsesRepository,
    private readonly runner: ResponseRunner,
    private readonly eventLog: EventLogService,
    private readonly background: BackgroundResponses,
    private readonly inputs: ResponseInputs,
    private readonly config: AppConfig,
    private readonly toolOffers: ToolOffers,
    private readonly mcp: McpRuns,
    private readonly heavyReads: HeavyReads,
  ) {}

  /**
   * `earlier`: a response its caller still holds whole (a WebSocket connection's last one): a request continuing it
   * reads its items from there, which is the only place a response with `store: false` is kept. `legacyEvents`: the
   * stream also carries `response.tool_call.delta` (see the controller). `keyId`: the managed API key of the caller,
   * whose usage the response counts to.
   */
  async create(
    tenantId: string,
    dto: CreateResponseDto,
    cancellation: Cancellation,
    options: { earlier?: EarlierResponse; legacyEvents?: boolean; keyId?: string } = {},
  ): Promise<CreateResult> {
    const { earlier } = options;
    const store = dto.store ?? true;
    if (dto.background && !store) throw ApiError.badRequest('Background responses must be stored: remove `store: false`.', 'store', 'invalid_value');
    if (dto.conversation && !store)
      throw ApiError.badRequest('A response in a conversation is stored with it: remove `store: false`.', 'store', 'invalid_value');
    if (dto.prompt) {
      throw ApiError.badRequest(
        'Reusable prompts are kept by OpenAI and this server has none: send their instructions and input instead.',
        'prompt',
        'unsupported_parameter',
      );
    }
    this.checkToolsOffered(dto);
    this.mcp.checkTools(dto.tools ?? []);
    const backend = this.models.backendFor(dto.model);
    const inputItems = withIds(await this.inputs.resolveReferences(tenantId, dto.input ?? [], cancellation));
    const continuesEarlier = earlier !== undefined && !dto.conversation && dto.previous_response_id === earlier.id;
    const history = continuesEarlier ? this.inputs.earlierHistory(earlier, dto.truncation) : await this.inputs.history(tenantId, dto, cancellation);
    checkCallOutputs(history, inputItems);
    const response = newResponse(dto, store);
    const sampling = samplingOf(dto);
    const mcpCredentials = mcpCredentialsOf(dto.tools ?? []);
    if (dto.background)
      return this.background.enqueue(tenantId, response, inputItems, sampling, { stream: dto.stream ?? false, mcpCredentials, keyId: options.keyId });
    const context = [...history, ...inputItems];
    const run = await this.runner
      .start({
        tenantId,
        response,
        lastSequenceNumber: -1,
        request: generationRequest(response, sampling, this.inputs.forModel(tenantId, context), this.toolOffers.offer(response.tools)),
        sampling,
        backend,
        streamed: dto.stream ?? false,
        legacyEvents: options.legacyEvents,
        sealReasoning: dto.include?.includes('reasoning.encrypted_content') ?? false,
        mcpCredentials,
        keyId: options.keyId,
        run: store ? { kind: 'stored', inputItems, conversation: conversationTurn(response, inputItems) } : { kind: 'ephemeral' },
        // A whole answer comes only at its end: a client that leaves before stops the backend at once.
        cancellation,
      })
      .catch((error: unknown) => {
        throw cancellation.requested ? ApiError.clientClosedRequest() : error;
      });
    if (dto.stream) return { kind: 'stream', events: run.events, context };
    await lastValueFrom(run.events.pipe(ignoreElements(), abortOn(cancellation)), { defaultValue: undefined });
    return { kind: 'object', response: run.response };
  }

  /** Tools the model will not be offered: a 400 with STRICT_TOOLS, otherwise a log line (the client sees a header). */
  private checkToolsOffered(dto: CreateResponseDto): void {
    const { notOffered } = this.toolOffers.offer(dto.tools ?? []);
    if (notOffered.length === 0) return;
    if (this.config.STRICT_TOOLS) {
      throw ApiError.badRequest(`This server has no provider for the tool types ${notOffered.map((t) => `'${t}'`).join(', ')}.`, 'tools', 'unsupported_tool');
    }
    this.logger.log(`tools not offered to ${dto.model}: ${notOffered.join(', ')}`);
  }

  async retrieve(tenantId: string, id: string): Promise<ResponseObject> {
    const row = await this.repository.find(tenantId, id);
    if (!row) throw ApiError.responseNotFound(id);
    return toResponseObject(row);
  }

  /**
   * A stored response's events after `startingAfter`: its event log (followed live until its end while it runs),
   * or the finished object's events when it was not streamed. `demand` resolves when the reader can take more:
   * the log is read page by page at the reader's pace.
   */
  async replay(tenantId: string, id: string, startingAfter: number, demand?: () => Promise<void>): Promise<Observable<SerializedEvent>> {
    const row = await this.repository.find(tenantId, id);
    if (!row) throw ApiError.responseNotFound(id);
    const response = toResponseObject(row);
    if (await this.eventLog.isLogged(id)) return this.eventLog.follow(id, startingAfter, () => this.repository.isRunning(tenantId, id), demand);
    if (isRunning(response.status)) {
      throw ApiError.badRequest(
        'This response was not created with `stream: true`, so it cannot be streamed while it runs: poll it, or stream it once it has finished.',
        'stream',
      );
    }
    return paced(
      eventsOfFinishedResponse(response).filter((event) => event.sequenceNumber > startingAfter),
      demand,
    );
  }

  cancel(tenantId: string, id: string): Promise<ResponseObject> {
    return this.background.cancel(tenantId, id);
  }

  async delete(tenantId: string, id: string): Promise<{ id: string; object: 'response'; deleted: true }> {
    if (!(await this.repository.delete(tenantId, id))) throw ApiError.responseNotFound(id);
    return { id, object: 'response', deleted: true };
  }

  async listInputItems(tenantId: string, id: string, query: ListInputItemsQuery, cancellation?: Cancellation) {
    if (!(await this.repository.find(tenantId, id))) throw ApiError.responseNotFound(id);
    // A page may hold a whole request's input (BODY_LIMIT): read within the bulkhead, as a conversation's pages are.
    const page = await this.heavyReads.run(
      tenantId,
      () => this.repository.listInputItems(id, { after: query.after, before: query.before, limit: query.limit ?? 20, order: query.order ?? 'desc' }),
      cancellation,
    );
    return itemList(page.items, page.hasMore);
  }

  async countInputTokens(tenantId: string, dto: CountInputTokensDto): Promise<{ object: 'response.input_tokens'; input_tokens: number }> {
    const backend = this.models.backendFor(dto.model);
    const history = await this.inputs.history(tenantId, dto);
    const response = newResponse(dto, false);
    const input = await this.inputs.resolveReferences(tenantId, dto.input ?? []);
    const count = await backend.countInputTokens(
      generationRequest(response, samplingOf(dto), this.inputs.forModel(tenantId, [...history, ...input]), this.toolOffers.offer(response.tools)),
    );
    return { object: 'response.input_tokens', input_tokens: count };
  }
}

/** Every function_call_output (custom_tool_call_output) must answer a function (custom tool) call made earlier in the conversation, or in the same input. */
function checkCallOutputs(history: InputItem[], input: InputItem[]): void {
  const answers: Record<string, string> = {
    function_call_output: 'function_call',
    custom_tool_call_output: 'custom_tool_call',
    local_shell_call_output: 'local_shell_call',
    shell_call_output: 'shell_call',
    apply_patch_call_output: 'apply_patch_call',
    mcp_approval_response: 'mcp_approval_request',
  };
  const callTypes = new Set(Object.values(answers));
  // A local shell call's output may name it by its item id too.
  const issued = new Set(
    [...history, ...input]
      .filter((item) => callTypes.has(item.type))
      .flatMap((item) => [`${item.type}:${String(item.call_id)}`, `${item.type}:${String(item.id)}`]),
  );
  input.forEach((item, index) => {
    const answered = answers[item.type];
    if (item.type === 'mcp_approval_response' && !issued.has(`mcp_approval_request:${String(item.approval_request_id)}`)) {
      throw ApiError.badRequest(
        `No MCP approval request found with id '${String(item.approval_request_id)}'.`,
        `input[${index}].approval_request_id`,
        'invalid_approval_request_id',
      );
    }
    if (answered && item.type !== 'mcp_approval_response' && !issued.has(`${answered}:${String(item.call_id)}`)) {
      throw ApiError.badRequest(
        `No tool call found for ${item.type} with call_id '${String(item.call_id)}'.`,
        `input[${index}].call_id`,
        'invalid_tool_call_id',
      );
    }
  });
}
