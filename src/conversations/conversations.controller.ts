import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { Tenant } from '../auth/tenant.guard';
import { cancellationOfResponse } from '../common/cancellation';
import { ErrorDto } from '../common/error.dto';
import { ItemListDto } from '../common/openai/item-lists';
import { ConversationsService } from './conversations.service';
import { ConversationDeletedDto, ConversationObjectDto } from './dto/conversation-object.dto';
import {
  AddConversationItemsDto,
  CreateConversationDto,
  ItemsIncludeQuery,
  ListConversationItemsQuery,
  UpdateConversationDto,
} from './dto/conversation-requests.dto';

@ApiTags('conversations')
@ApiBearerAuth()
@ApiResponse({ status: 400, type: ErrorDto, description: 'Invalid request' })
@ApiResponse({ status: 404, type: ErrorDto, description: 'conversation_not_found, item_not_found' })
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create a conversation',
    description: 'Responses created with `conversation` read its items first and add theirs when they complete.',
  })
  @ApiOkResponse({ type: ConversationObjectDto })
  create(@Tenant() tenant: string, @Body() body: CreateConversationDto) {
    return this.conversations.create(tenant, body.items ?? [], body.metadata ?? {});
  }

  @Get(':id')
  @ApiOperation({ summary: 'Retrieve a conversation' })
  @ApiOkResponse({ type: ConversationObjectDto })
  retrieve(@Tenant() tenant: string, @Param('id') id: string) {
    return this.conversations.retrieve(tenant, id);
  }

  @Post(':id')
  @HttpCode(200)
  @ApiOperation({ summary: "Update a conversation's metadata" })
  @ApiOkResponse({ type: ConversationObjectDto })
  update(@Tenant() tenant: string, @Param('id') id: string, @Body() body: UpdateConversationDto) {
    return this.conversations.update(tenant, id, body.metadata ?? {});
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a conversation and its items', description: 'Responses that used it are kept.' })
  @ApiOkResponse({ type: ConversationDeletedDto })
  delete(@Tenant() tenant: string, @Param('id') id: string) {
    return this.conversations.delete(tenant, id);
  }

  @Post(':id/items')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add items at the end of a conversation' })
  @ApiOkResponse({ type: ItemListDto })
  addItems(@Tenant() tenant: string, @Param('id') id: string, @Body() body: AddConversationItemsDto, @Query() _query: ItemsIncludeQuery) {
    return this.conversations.addItems(tenant, id, body.items);
  }

  @Get(':id/items')
  @ApiOperation({ summary: "List a conversation's items", description: 'Newest first unless `order=asc`.' })
  @ApiOkResponse({ type: ItemListDto })
  listItems(@Tenant() tenant: string, @Param('id') id: string, @Query() query: ListConversationItemsQuery, @Res({ passthrough: true }) res: Response) {
    return this.conversations.listItems(tenant, id, query, cancellationOfResponse(res));
  }

  @Get(':id/items/:itemId')
  @ApiOperation({ summary: 'Retrieve an item of a conversation' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true } })
  retrieveItem(@Tenant() tenant: string, @Param('id') id: string, @Param('itemId') itemId: string, @Query() _query: ItemsIncludeQuery) {
    return this.conversations.retrieveItem(tenant, id, itemId);
  }

  @Delete(':id/items/:itemId')
  @ApiOperation({ summary: 'Delete an item of a conversation', description: 'Answers the conversation.' })
  @ApiOkResponse({ type: ConversationObjectDto })
  deleteItem(@Tenant() tenant: string, @Param('id') id: string, @Param('itemId') itemId: string) {
    return this.conversations.deleteItem(tenant, id, itemId);
  }
}
