import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { AdminGuard } from '../auth/admin.guard';
import { Public } from '../auth/tenant.guard';
import { ErrorDto } from '../common/error.dto';
import { CreateWebhookEndpointDto, ListWebhookEndpointsQuery, WebhookEndpointDto } from './dto/webhook-endpoints.dto';
import { WebhooksService } from './webhooks.service';

/** Tenants' webhook endpoints, for the operator (ADMIN_API_KEY), not for the tenants' own keys. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorDto, description: 'Not the admin key' })
@ApiResponse({ status: 403, type: ErrorDto, description: 'The admin API is off (no ADMIN_API_KEY)' })
@Public()
@UseGuards(AdminGuard)
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
