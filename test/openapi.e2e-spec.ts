import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { openApiDocument } from '../src/http/openapi';
import { startTestServer, type TestServer } from './support/test-server';

const ROOT = join(__dirname, '..');
const COMMITTED = join(ROOT, 'openapi.json');

/**
 * The API contract: openapi.json, committed, is the document the server builds from its controllers and DTOs
 * (`npm run openapi` writes it again), and a client generated from it types the requests users write.
 */
describe('The OpenAPI contract', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('is committed as the server builds it (npm run openapi after changing an endpoint or a DTO)', () => {
    const built = `${JSON.stringify(openApiDocument(server.app), null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(COMMITTED, built);
    expect(JSON.parse(readFileSync(COMMITTED, 'utf8'))).toEqual(JSON.parse(built));
  });

  it('describes every scalar field with its own type (none left as a bare object)', () => {
    const schemas = (openApiDocument(server.app).components?.schemas ?? {}) as Record<string, { properties?: Record<string, Record<string, unknown>> }>;
    const bare = Object.entries(schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {})
        .filter(([, property]) => property.type === 'object' && !property.properties && !property.additionalProperties && !property.allOf && !property.oneOf)
        .map(([field]) => `${name}.${field}`),
    );
    expect(bare).toEqual([]);
  });

  it('generates a typed client (openapi-typescript) that type-checks the requests a user writes', async () => {
    // Inside the project, so that the client finds openapi-fetch in node_modules.
    const dir = mkdtempSync(join(__dirname, 'openapi', '.generated-'));
    try {
      const run = promisify(execFile);
      await run(process.execPath, [join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), COMMITTED, '--output', join(dir, 'schema.d.ts')]);
      writeFileSync(join(dir, 'client-usage.ts'), readFileSync(join(__dirname, 'openapi', 'client-usage.ts'), 'utf8'));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            module: 'node16',
            moduleResolution: 'node16',
            target: 'ES2022',
            lib: ['ES2023', 'DOM'],
            skipLibCheck: true,
            types: [],
            typeRoots: [],
          },
          files: ['client-usage.ts'],
        }),
      );
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      await run(process.execPath, [tsc, '-p', dir]).catch((error: { stdout?: string }) => {
        throw new Error(`the typed client does not type-check:\n${error.stdout ?? String(error)}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
