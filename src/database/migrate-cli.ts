import { loadConfig } from '../config/app-config';
import { connectDatabase } from './database-connection';

/** `npm run migrate`: applies the migrations to DATABASE_URL, or to the embedded Postgres. */
async function main(): Promise<void> {
  const database = await connectDatabase(loadConfig(), (line) => console.log(line));
  console.log('migrations are up to date');
  await database.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
