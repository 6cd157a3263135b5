import { Injectable } from '@nestjs/common';
import { ignoreElements, lastValueFrom } from 'rxjs';

import { ApiError } from '../common/api-error';
import type { Cancellation } from '../common/cancellation';
import { newId } from '../common/ids';
import { fromLatestCompaction } from '../common/openai/compaction';
import type { InputItem } from '../common/openai/types';
import { ConversationsService } from '../conversations/conversations.service';
import { EventLogService } from '../events/event-log.service';
import { ModelRegistry } from '../models/model-registry.service';
import { ToolCallsService } from '../tools/tool-calls.service';
import { ToolOffers } from '../tools/tool-offers';
import { abortOn } from './abort-on';
import type { CreateResult } from './create-result';
import type { SubmitToolOutputsDto, ToolOutput } from './dto/submit-tool-outputs.dto';
import { generationRequest } from './runs/response-factory';
import { fittingItems, ResponseInputs } from './runs/response-inputs';
import { eventsOfFinishedResponse } from './runs/response-replay';
import { conversationTurn, ResponseRunner } from './runs/response-runner';
import { type RawResponseRow, samplingOfRow, toResponseObject } from './store/response.mapper';
import { ResponsesRepository } from './store/responses.repository';

/**
 * Answers a response's function calls in place: the outputs are recorded, and once every call of the response has
 * its output the same response continues (status back to in_progress, new output items appended, sequence numbers
 * going on). A response waiting for tool output is `completed` with function_call items whose calls are pending.
 */
@Injectable()
export class ToolOutputsService {
  constructor(
    private readonly repository: ResponsesRepository,
    private readonly toolCalls: ToolCallsService,
    private readonly runner: ResponseRunner,
    private readonly eventLog: EventLogService,
    private readonly models: ModelRegistry,
    private readonly conversations: ConversationsService,
    private readonly inputs: ResponseInputs,
    private readonly toolOffers: ToolOffers,
  ) {}

  async submit(tenantId: string, id: string, dto: SubmitToolOutputsDto, cancellation: Cancellation, keyId?: string): Promise<CreateResult> {
    const outputs = outputsOf(dto);
    const row = await this.repository.find(tenantId, id);
    if (!row) throw ApiError.responseNotFound(id);
    const calls = new Map((await this.toolCalls.list(id)).map((call) => [call.callId, call]));
    for (const [index, { callId }] of outputs.entries()) {
      const call = calls.get(callId);
      const param = dto.tool_outputs ? `tool_outputs[${index}].tool_call_id` : 'tool_call_id';
      if (!call) throw ApiError.badRequest(`Response '${id}' has no tool call with id '${callId}'.`, param, 'invalid_tool_call_id');
      if (call.status !== 'pending') throw ApiError.conflict(`Tool call '${callId}' already has its output.`, 'tool_output_already_submitted', param);
    }
    if (row.status !== 'completed') {
      throw ApiError.conflict(`Response '${id}' is ${row.status}; it is not waiting for tool output.`, 'response_not_waiting_for_tool_output');
    }
    if (!(await this.toolCalls.complete(id, outputs))) {
      throw ApiError.conflict('Another submission answered these tool calls first.', 'tool_output_already_submitted');
    }
    const answered = await this.toolCalls.list(id);
    // Parallel calls: the response goes on once the last of them is answered, and only one submission may start it.
    if (answered.some((call) => call.status === 'pending') || !(await this.repository.claimStatus(id, 'completed', 'in_progress'))) {
      // Nothing to stream yet: the answer is the response as it stands.
      return { kind: 'object', response: toResponseObject((await this.repository.find(tenantId, id)) ?? row) };
    }
    try {
      return await this.continueResponse(tenantId, row, answered, dto.stream ?? false, cancellation, keyId);
    } catch (error) {
      await this.repository.claimStatus(id, 'in_progress', 'completed');
      await this.toolCalls.reopen(
        id,
        outputs.map((output) => output.callId),
      );
      throw cancellation.requested ? ApiError.clientClosedRequest() : error;
    }
  }

  private async continueResponse(
    tenantId: string,
    row: RawResponseRow,
    calls: Array<{ callId: string; output: unknown }>,
    stream: boolean,
    cancellation: Cancellation,
    keyId: string | undefined,
  ): Promise<CreateResult> {
    const response = toResponseObject(row);
    const sampling = samplingOfRow(row);
    // The chain up to and including this response (its input items, then its output ending in the calls); for a
    // response in a conversation, the conversation, which holds the same since the response completed with the calls.
    const history = response.conversation
      ? fittingItems(await this.conversations.history(tenantId, response.conversation.id), response.truncation, 'conversation')
      : fittingItems((await this.inputs.chain(tenantId, response.id)) ?? { items: [], cut: false }, response.truncation, 'previous_response_id');
    const outputs: InputItem[] = calls.map((call) => ({ type: 'function_call_output', id: newId('fco'), call_id: call.callId, output: call.output as string }));
    let lastSequenceNumber = row.last_sequence_number;
    let logEvents = stream;
    if (await this.eventLog.isLogged(response.id)) {
      logEvents = true;
    } else if (stream) {
      // The response was not streamed before: log what it was, so that a replay from 0 shows the whole story.
      const earlier = eventsOfFinishedResponse(response);
      await this.eventLog.append(response.id, earlier);
      lastSequenceNumber = earlier.length - 1;
    }
    const run = await this.runner.start({
      tenantId,
      response,
      lastSequenceNumber,
      request: generationRequest(
        response,
        sampling,
        this.inputs.forModel(tenantId, fromLatestCompaction([...history, ...outputs])),
        this.toolOffers.offer(response.tools),
      ),
      sampling,
      backend: this.models.backendFor(response.model),
      streamed: stream,
      keyId,
      run: { kind: 'continuation', logged: logEvents, conversation: conversationTurn(response, outputs, response.output.length) },
      // A whole answer comes only at its end: a client that leaves before stops the backend (the calls reopen).
      cancellation,
    });
    if (stream) return { kind: 'stream', events: run.events };
    await lastValueFrom(run.events.pipe(ignoreElements(), abortOn(cancellation)), { defaultValue: undefined });
    return { kind: 'object', response: run.response };
  }
}

function outputsOf(dto: SubmitToolOutputsDto): Array<{ callId: string; output: ToolOutput }> {
  const list = dto.tool_outputs ?? [dto];
  return list.map((entry, index) => {
    const param = dto.tool_outputs ? `tool_outputs[${index}]` : '';
    const callId = entry.tool_call_id ?? entry.call_id;
    if (!callId)
      throw ApiError.badRequest('Each tool output needs the tool_call_id it answers.', `${param}${param ? '.' : ''}tool_call_id`, 'missing_required_parameter');
    if (entry.output === undefined)
      throw ApiError.badRequest('Each tool output needs an output.', `${param}${param ? '.' : ''}output`, 'missing_required_parameter');
    return { callId, output: entry.output };
  });
}
