import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';

import { AdminApi } from '../auth/admin-api.decorator';
import { ErrorDto } from '../common/error.dto';
import { CreateWebhookEndpointDto, ListWebhookEndpointsQuery, WebhookEndpointDto } from './dto/webhook-endpoints.dto';
import { WebhooksService } from './webhooks.service';

/** Tenants' webhook endpoints, for the operator (ADMIN_API_KEY), not for the tenants' own keys. */
@AdminApi()
@Controller('admin/webhooks')
export class AdminWebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Add a tenant's webhook endpoint",
    description: "Its background responses' webhooks (response.completed, .failed, .cancelled, .incomplete) are signed with its secret, shown only here.",
  })
  @ApiOkResponse({ type: WebhookEndpointDto })
  create(@Body() body: CreateWebhookEndpointDto) {
    return this.webhooks.createEndpoint(body.tenant, body.url, body.secret);
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints' })
  @ApiOkResponse({ type: [WebhookEndpointDto] })
  list(@Query() query: ListWebhookEndpointsQuery) {
    return this.webhooks.listEndpoints(query.tenant);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Remove a webhook endpoint', description: 'Its deliveries still pending are given up.' })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'webhook_endpoint_not_found' })
  remove(@Param('id') id: string) {
    return this.webhooks.deleteEndpoint(id);
  }
}
