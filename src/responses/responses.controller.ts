import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { KeyId, Tenant } from '../auth/tenant.guard';
import { cancellationOfResponse } from '../common/cancellation';
import { ErrorDto } from '../common/error.dto';
import { ItemListDto } from '../common/openai/item-lists';
import { AppConfig } from '../config/app-config';
import { DatabaseOptional } from '../database/database-available.guard';
import { drained, writeSse } from '../events/sse';
import { sendJson } from '../http/send-json';
import { RateLimited } from '../rate-limits/rate-limit.guard';
import { ToolOffers } from '../tools/tool-offers';
import type { CreateResult } from './create-result';
import { CompactResponseDto, CountInputTokensDto, CreateResponseDto } from './dto/create-response.dto';
import { ListInputItemsQuery, RetrieveResponseQuery } from './dto/list-input-items.query';
import { CompactedResponseDto, DeletedResponseDto, InputTokensDto, ResponseObjectDto } from './dto/response-object.dto';
import { SubmitToolOutputsDto } from './dto/submit-tool-outputs.dto';
import { ResponsesService } from './responses.service';
import { ResponseCompaction } from './runs/response-compaction';
import { isRunning } from './store/response.mapper';
import { ToolOutputsService } from './tool-outputs.service';

/** The request header by which a client asks for the legacy stream events (see `legacyEvents`). */
const LEGACY_EVENTS_HEADER = 'x-legacy-stream-events';

/** The header that names the tool types of a request the model was not offered (see NOT_OFFERED_TOOL_TYPES). */
const TOOLS_NOT_OFFERED_HEADER = 'x-tools-not-offered';

/** Seconds a client polling a running response is told to wait before its next GET. */
const POLL_AGAIN_AFTER_S = 1;

@ApiTags('responses')
@ApiBearerAuth()
@ApiResponse({ status: 400, type: ErrorDto, description: 'Invalid request' })
@Controller('v1/responses')
export class ResponsesController {
  constructor(
    private readonly responses: ResponsesService,
    private readonly toolOutputs: ToolOutputsService,
    private readonly compaction: ResponseCompaction,
    private readonly config: AppConfig,
    private readonly toolOffers: ToolOffers,
  ) {}

  @Post()
  @HttpCode(200)
  @RateLimited()
  @DatabaseOptional(keepsNothing)
  @ApiOperation({ summary: 'Create a model response', description: 'With `stream: true` the answer is a stream of server-sent events.' })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: ResponseObjectDto })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'model_not_found' })
  @ApiResponse({ status: 429, type: ErrorDto, description: 'Rate limited (Retry-After)' })
  async create(
    @Tenant() tenant: string,
    @KeyId() keyId: string | undefined,
    @Body() body: CreateResponseDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const result = await this.responses.create(tenant, body, cancellationOfResponse(res), { legacyEvents: this.legacyEvents(req), keyId });
    const { notOffered } = this.toolOffers.offer(body.tools ?? []);
    if (notOffered.length > 0) res.setHeader(TOOLS_NOT_OFFERED_HEADER, notOffered.join(', '));
    this.send(req, res, result);
  }

  @Post('input_tokens')
  @HttpCode(200)
  @RateLimited()
  @ApiOperation({ summary: 'Count the input tokens a create request would use' })
  @ApiOkResponse({ type: InputTokensDto })
  countInputTokens(@Tenant() tenant: string, @Body() body: CountInputTokensDto) {
    return this.responses.countInputTokens(tenant, body);
  }

  @Post('compact')
  @HttpCode(200)
  @RateLimited()
  @ApiOperation({
    summary: 'Compact a conversation',
    description:
      'The model summarizes the conversation (`previous_response_id`, then `input`); the answer keeps its user messages and ' +
      'adds one compaction item, which a later request can send in place of everything it summarizes.',
  })
  @ApiOkResponse({ type: CompactedResponseDto })
  compact(@Tenant() tenant: string, @Body() body: CompactResponseDto, @Res({ passthrough: true }) res: Response) {
    return this.compaction.compact(tenant, body, cancellationOfResponse(res));
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Retrieve a response',
    description:
      'With `stream=true`, replays its events after `starting_after`, then follows a running response live until it ends ' +
      '(a running response that was not created with `stream: true` cannot be streamed: 400). ' +
      'A queued or in-progress response comes with a `Retry-After` header (seconds) for polling clients.',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: ResponseObjectDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  async retrieve(
    @Tenant() tenant: string,
    @Param('id') id: string,
    @Query() query: RetrieveResponseQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (query.stream !== 'true') {
      const response = await this.responses.retrieve(tenant, id);
      if (isRunning(response.status)) res.setHeader('Retry-After', String(POLL_AGAIN_AFTER_S));
      sendJson(res, 200, response);
    } else this.stream(req, res, await this.responses.replay(tenant, id, query.starting_after ?? -1, drained(res)));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a response' })
  @ApiOkResponse({ type: DeletedResponseDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  delete(@Tenant() tenant: string, @Param('id') id: string) {
    return this.responses.delete(tenant, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a background response',
    description: 'Stops a queued or running background response, on whichever replica runs it. A finished one is returned unchanged.',
  })
  @ApiOkResponse({ type: ResponseObjectDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  cancel(@Tenant() tenant: string, @Param('id') id: string) {
    return this.responses.cancel(tenant, id);
  }

  @Post(':id/submit_tool_outputs')
  @HttpCode(200)
  @RateLimited()
  @ApiOperation({
    summary: "Answer a response's function calls in place",
    description:
      'A response waiting for tool output is `completed` and ends with function_call items whose calls have no output yet. ' +
      'Submit `{tool_call_id, output}` or `{tool_outputs: [...]}`; once every call has its output, the same response continues ' +
      '(streamed with `stream: true`, its sequence numbers going on) and its new output items are appended.',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ type: ResponseObjectDto })
  @ApiResponse({ status: 409, type: ErrorDto, description: 'Output already submitted, or the response is not waiting for tool output' })
  async submitToolOutputs(
    @Tenant() tenant: string,
    @KeyId() keyId: string | undefined,
    @Param('id') id: string,
    @Body() body: SubmitToolOutputsDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    this.send(req, res, await this.toolOutputs.submit(tenant, id, body, cancellationOfResponse(res), keyId));
  }

  @Get(':id/input_items')
  @ApiOperation({ summary: 'List the input items of a response' })
  @ApiOkResponse({ type: ItemListDto })
  @ApiResponse({ status: 404, type: ErrorDto })
  listInputItems(@Tenant() tenant: string, @Param('id') id: string, @Query() query: ListInputItemsQuery, @Res({ passthrough: true }) res: Response) {
    return this.responses.listInputItems(tenant, id, query, cancellationOfResponse(res));
  }

  private send(req: Request, res: Response, result: CreateResult): void {
    if (result.kind === 'object') sendJson(res, 200, result.response);
    else this.stream(req, res, result.events);
  }

  /**
   * Whether this request's stream carries the two events of our documented tool-call workflow that no specification
   * defines (`response.tool_call.delta`, and heartbeats as `response.ping` rather than SSE comments): the official
   * SDKs' stream helpers and strict Open Responses clients refuse them, so only a client that asks gets them, by
   * sending tools in the nested Chat-Completions form (as that workflow does) or `X-Legacy-Stream-Events: true`.
   */
  private legacyEvents(req: Request): boolean {
    if (this.config.STRICT_EVENTS) return false;
    if (/^(true|1)$/i.test(String(req.headers[LEGACY_EVENTS_HEADER] ?? ''))) return true;
    const tools = (req.body as { tools?: unknown } | undefined)?.tools;
    return Array.isArray(tools) && tools.some((tool) => typeof tool === 'object' && tool !== null && 'function' in tool);
  }

  private stream(req: Request, res: Response, events: Parameters<typeof writeSse>[2]): void {
    writeSse(req, res, events, {
      heartbeatMs: this.config.STREAM_HEARTBEAT_MS,
      pingEvents: this.legacyEvents(req),
      maxBufferedBytes: this.config.STREAM_MAX_BUFFER_BYTES,
    });
  }
}

/** A create that reads and writes nothing stored (`store: false`, no chain, no conversation) runs without the database. */
function keepsNothing(req: Request): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  return body?.store === false && !body.previous_response_id && !body.conversation && !body.background;
}
