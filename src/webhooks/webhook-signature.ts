import { createHmac } from 'node:crypto';

/**
 * The headers of a Standard Webhooks delivery (what OpenAI sends, and what the official SDKs' `webhooks.unwrap`
 * verifies): `webhook-signature` is `v1,` and the base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` under the secret's
 * key (the base64 after `whsec_`).
 */
export function webhookHeaders(secret: string, id: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}
