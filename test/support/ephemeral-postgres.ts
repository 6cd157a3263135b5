import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { freePort } from './server-process';

/**
 * A throwaway embedded Postgres (deleted when it stops) on a port the system says is free. A port picked by chance
 * can be held by another program's connection (Linux hands out 32768–60999 to outgoing connections), so a start
 * that fails is tried again on another free port.
 */
export async function startEphemeralPostgres(name: string): Promise<EmbeddedDatabase> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dataDir = join(tmpdir(), `${name}-${process.pid}-${port}`);
    try {
      return await startEmbeddedPostgres({ dataDir, port, ephemeral: true });
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      if (attempt >= 3) throw error;
    }
  }
}
