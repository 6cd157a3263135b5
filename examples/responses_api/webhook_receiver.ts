/**
 * A webhook receiver for background responses: verifies each delivery with the official SDK (Standard Webhooks
 * signatures), then fetches the response it names. Point the server's WEBHOOK_URL (or a tenant's endpoint, added
 * with POST /admin/webhooks) at it, with the same secret:
 *   OPENAI_WEBHOOK_SECRET=whsec_... npx tsx examples/responses_api/webhook_receiver.ts 9000
 * OPENAI_BASE_URL (default http://localhost:8000/v1) and OPENAI_API_KEY choose the server it reads responses from.
 */
import { createServer, type Server } from 'node:http';

import OpenAI from 'openai';

export function startWebhookReceiver(client: OpenAI, secret: string, port: number, print: (line: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        let event: OpenAI.Webhooks.UnwrapWebhookEvent;
        try {
          event = await client.webhooks.unwrap(Buffer.concat(chunks).toString('utf8'), req.headers, secret);
        } catch {
          // Not signed with our secret: refuse it (the server does not retry a 4xx forever: only until its age limit).
          res.writeHead(400).end();
          return;
        }
        // Answer at once; the server retries anything but a 2xx, so handle events idempotently by `event.id`.
        res.writeHead(200).end();
        if (event.type.startsWith('response.')) {
          const response = await client.responses.retrieve((event.data as { id: string }).id);
          print(`${event.type} ${response.id}: ${response.status === 'completed' ? response.output_text : (response.error?.message ?? response.status)}`);
        }
      })().catch((error: unknown) => print(`could not handle a delivery: ${String(error)}`));
    });
  });
  return new Promise((resolve) => server.listen(port, () => resolve(server)));
}

if (require.main === module) {
  const client = new OpenAI({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:8000/v1',
    apiKey: process.env.OPENAI_API_KEY ?? 'not-needed-when-auth-is-off',
  });
  const port = Number(process.argv[2] ?? 9000);
  void startWebhookReceiver(client, process.env.OPENAI_WEBHOOK_SECRET ?? '', port, (line) => console.log(line)).then(() =>
    console.log(`listening on :${port}`),
  );
}
