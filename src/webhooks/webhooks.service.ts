import { randomBytes } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import { newId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import type { Transaction } from '../database/transaction';
import { ContentSealer } from '../secrets/content-sealer';
import { type EndpointRow, WebhooksRepository } from './webhooks.repository';

/** What a webhook endpoint's secret is sealed for. */
export const WEBHOOK_SECRET_PURPOSE = 'webhook-secret';

/** The final statuses of a background response, and the webhook event each sends. */
const EVENT_TYPES: Record<string, string> = {
  completed: 'response.completed',
  failed: 'response.failed',
  cancelled: 'response.cancelled',
  incomplete: 'response.incomplete',
};

/** A tenant's webhook endpoint as the admin API shows it; its secret only when it is created. */
export interface WebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  tenant: string;
  url: string;
  created_at: number;
  secret?: string;
}

/** A response that reached its final state, as webhooks need it. */
export interface EndedResponse {
  id: string;
  status: string;
  background: boolean;
}

/**
 * OpenAI's webhooks for background responses: the events are recorded with the response's final state (see
 * WebhookDispatcher for their delivery), to the deployment's endpoint (WEBHOOK_URL) and to the tenant's own.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly sealer: ContentSealer,
    private readonly config: AppConfig,
  ) {}

  /** Whether an ended response sends a webhook: a background one, in a final status. */
  sendsWebhook(response: EndedResponse): boolean {
    return response.background && response.status in EVENT_TYPES;
  }

  /** Records the webhook events of ended responses, in the transaction that writes their final state. */
  async record(manager: Transaction, responses: EndedResponse[]): Promise<void> {
    const events = responses
      .filter((response) => this.sendsWebhook(response))
      .map((response) => ({ eventId: newId('evt'), responseId: response.id, type: EVENT_TYPES[response.status] }));
    if (events.length > 0) await this.repository.record(manager, events, this.config.WEBHOOK_URL !== undefined);
  }

  /** Adds a tenant's endpoint; its secret (given, or generated) is shown in the answer only. */
  async createEndpoint(tenant: string, url: string, secret?: string): Promise<WebhookEndpoint> {
    const signingSecret = secret ?? `whsec_${randomBytes(32).toString('base64')}`;
    const row = await this.repository.insertEndpoint({
      id: newId('wh'),
      tenantId: tenant,
      url,
      sealedSecret: this.sealer.seal(tenant, WEBHOOK_SECRET_PURPOSE, signingSecret),
    });
    return { ...endpointOf(row), secret: signingSecret };
  }

  async listEndpoints(tenant?: string): Promise<{ object: 'list'; data: WebhookEndpoint[] }> {
    return { object: 'list', data: (await this.repository.listEndpoints(tenant)).map(endpointOf) };
  }

  async deleteEndpoint(id: string): Promise<{ id: string; object: 'webhook_endpoint'; deleted: true }> {
    if (!(await this.repository.deleteEndpoint(id))) throw ApiError.notFound(`No webhook endpoint with id '${id}'.`, 'id', 'webhook_endpoint_not_found');
    return { id, object: 'webhook_endpoint', deleted: true };
  }
}

function endpointOf(row: EndpointRow): WebhookEndpoint {
  return { id: row.id, object: 'webhook_endpoint', tenant: row.tenant_id, url: row.url, created_at: Math.floor(new Date(row.created_at).getTime() / 1000) };
}
