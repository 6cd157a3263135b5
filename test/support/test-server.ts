import type { AddressInfo } from 'node:net';

import type { NestExpressApplication } from '@nestjs/platform-express';
import OpenAI from 'openai';

import { loadConfig } from '../../src/config/app-config';
import { createServer } from '../../src/server';
import { startStubUpstream, type StubUpstream } from './stub-upstream';

export interface TestServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The official SDK pointed at the server, as a user would. */
  client: OpenAI;
  stub: StubUpstream;
  app: NestExpressApplication;
  close(): Promise<void>;
}

/** A real listening server on the test database (or `databaseUrl`), in front of a stub upstream. `env` overrides configuration. */
export async function startTestServer(env: Record<string, string> = {}, databaseUrl = process.env.TEST_DATABASE_URL!): Promise<TestServer> {
  const stub = await startStubUpstream();
  const config = loadConfig({ LOG_LEVEL: 'silent', UPSTREAM_BASE_URL: stub.baseURL, PORT: '0', HOST: '127.0.0.1', ...env });
  const app = await createServer(config, databaseUrl);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'test-key', maxRetries: 0 }),
    stub,
    app,
    close: async () => {
      await app.close();
      await stub.close();
    },
  };
}
