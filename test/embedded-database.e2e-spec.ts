import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, type ServerProcess, spawnServer } from './support/server-process';
import { waitFor } from './support/sse';
import { startStubUpstream, type StubUpstream, tokensReply } from './support/stub-upstream';

const isListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** `npm start` with no DATABASE_URL: the server runs its own Postgres, and stops it only after its own shutdown. */
describe('The server with its embedded Postgres', () => {
  jest.setTimeout(90_000);
  let stub: StubUpstream;
  let dataDir: string;
  let pgPort: number;
  let server: ServerProcess | undefined;

  const start = () => spawnServer({ DATABASE_URL: '', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), UPSTREAM_BASE_URL: stub.baseURL });

  beforeAll(async () => {
    stub = await startStubUpstream();
    pgPort = await freePort();
    // Not created here: as root the server runs Postgres as the postgres user, who could not enter a mkdtemp folder.
    dataDir = join(tmpdir(), `embedded-db-${process.pid}-${pgPort}`);
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await server?.exited;
    await stub.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes a running job on SIGTERM before stopping its database, exits 0, and has the job done after a restart', async () => {
    server = await start();
    const created = await server.client.responses.create({ model: 'stub-model', input: 'TOKENS 40 25', background: true });
    await waitFor(async () => ((await server!.client.responses.retrieve(created.id)).status === 'in_progress' ? true : undefined));

    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await isListening(pgPort)).toBe(false);

    server = await start();
    const finished = await server.client.responses.retrieve(created.id);
    expect(finished.status).toBe('completed');
    expect(finished.output_text).toBe(tokensReply(40));
    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;
  });
});
