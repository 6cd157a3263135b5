import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { mcpFetch } from './mcp-fetch';
import { McpHostPolicy } from './mcp-host-policy';

describe('mcpFetch', () => {
  let server: Server;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((_, res) => {
      requests += 1;
      res.end('reached');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('does not connect to a name that resolves to an internal address, unless hosts are listed', async () => {
    const url = `http://localhost:${(server.address() as AddressInfo).port}/mcp`;
    await expect(mcpFetch(new McpHostPolicy(undefined))(url)).rejects.toThrow();
    expect(requests).toBe(0);
    expect(await (await mcpFetch(new McpHostPolicy('localhost'))(url)).text()).toBe('reached');
    expect(requests).toBe(1);
  });
});
