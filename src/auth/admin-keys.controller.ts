import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';

import { ErrorDto } from '../common/error.dto';
import { AdminApi } from './admin-api.decorator';
import { ApiKeys } from './api-keys.service';
import { ApiKeyDto, CreateApiKeyDto, ListApiKeysQuery } from './dto/api-keys.dto';

/** The managed API keys, for the operator (ADMIN_API_KEY). */
@AdminApi()
@Controller('admin/keys')
export class AdminKeysController {
  constructor(private readonly keys: ApiKeys) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make an API key for a tenant',
    description: 'The key is in this answer only; the server keeps a salted SHA-256 hash. Making the first key turns authentication on.',
  })
  @ApiOkResponse({ type: ApiKeyDto })
  create(@Body() body: CreateApiKeyDto) {
    return this.keys.create(body.tenant, { name: body.name, rpm: body.rpm, tpm: body.tpm });
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  async list(@Query() query: ListApiKeysQuery) {
    return { object: 'list', data: await this.keys.list(query.tenant) };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key', description: 'Refused by every replica within a second.' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'api_key_not_found' })
  revoke(@Param('id') id: string) {
    return this.keys.revoke(id);
  }
}
