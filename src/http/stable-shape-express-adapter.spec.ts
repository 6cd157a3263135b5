import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Express, Request, Response } from 'express';

import { StableShapeExpressAdapter } from './stable-shape-express-adapter';

describe('StableShapeExpressAdapter', () => {
  let server: Server;
  let app: Express;

  beforeEach(async () => {
    const adapter = new StableShapeExpressAdapter();
    adapter.initHttpServer({});
    app = adapter.getInstance<Express>();
    server = adapter.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  const url = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

  it("builds every request and response on the Express app's prototypes before Express sees them", async () => {
    const seen: boolean[] = [];
    server.prependListener('request', (req, res) => seen.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response));
    app.get('/hello', (_req: Request, res: Response) => void res.json({ hello: 'world' }));
    for (let i = 0; i < 3; i++) expect(await (await fetch(url('/hello'))).json()).toEqual({ hello: 'world' });
    expect(seen).toEqual([true, true, true]);
  });

  it('leaves requests and responses working as Express and Node make them', async () => {
    app.use((req: Request, res: Response) => {
      req.on('data', () => undefined);
      req.on('end', () =>
        res
          .status(201)
          .set('x-path', req.path)
          .json({ method: req.method, sameApp: req.app === app, query: req.query }),
      );
    });
    const answer = await fetch(url('/some/path?a=1'), { method: 'POST', body: 'body' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-path')).toBe('/some/path');
    expect(await answer.json()).toEqual({ method: 'POST', sameApp: true, query: { a: '1' } });
  });
});
