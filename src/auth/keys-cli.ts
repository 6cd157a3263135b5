import { parseArgs } from 'node:util';

import { DataSource } from 'typeorm';

import { loadConfig } from '../config/app-config';
import { connectDatabase } from '../database/database-connection';
import { ApiKeysRepository } from './api-keys.repository';
import { newManagedKey, viewOf } from './managed-keys';

const USAGE = `npm run keys -- create --tenant <name> [--name <name>] [--rpm N] [--tpm N]
npm run keys -- list [--tenant <name>]
npm run keys -- revoke <key id>`;

/** `npm run keys`: makes, lists and revokes the managed API keys in DATABASE_URL (or the embedded Postgres). */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, name: { type: 'string' }, rpm: { type: 'string' }, tpm: { type: 'string' } },
  });
  const [command, id] = positionals;
  if (!['create', 'list', 'revoke'].includes(command) || (command === 'create' && !values.tenant) || (command === 'revoke' && !id)) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const database = await connectDatabase(loadConfig(), (line) => console.error(line));
  const dataSource = await new DataSource({ type: 'postgres', url: database.url }).initialize();
  try {
    const keys = new ApiKeysRepository(dataSource);
    if (command === 'create') {
      const made = newManagedKey();
      const limit = (value: string | undefined) => (value === undefined ? null : Number.parseInt(value, 10));
      const row = await keys.insert({
        id: made.id,
        tenantId: values.tenant!,
        name: values.name ?? null,
        salt: made.salt,
        hash: made.hash,
        hashKind: made.hashKind,
        rpm: limit(values.rpm),
        tpm: limit(values.tpm),
      });
      console.log(JSON.stringify({ ...viewOf(row), key: made.key }, null, 2));
      console.error('The key is shown this once: keep it now.');
    } else if (command === 'list') {
      console.log(JSON.stringify((await keys.list(values.tenant)).map(viewOf), null, 2));
    } else {
      const revoked = await keys.revoke(id);
      if (!revoked) throw new Error(`No API key with id '${id}'.`);
      console.log(JSON.stringify(viewOf(revoked), null, 2));
    }
  } finally {
    await dataSource.destroy();
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
