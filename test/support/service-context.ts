import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';

import { AppModule } from '../../src/app.module';
import type { Cancellation } from '../../src/common/cancellation';
import { apiValidationPipe } from '../../src/common/validation';
import { loadConfig } from '../../src/config/app-config';
import { StableShapeExpressAdapter } from '../../src/http/stable-shape-express-adapter';
import type { CreateResult } from '../../src/responses/create-result';
import { createFreshDatabase, type FreshDatabase } from './fresh-database';
import { startStubUpstream, type StubUpstream } from './stub-upstream';

/**
 * The whole application, not listening, on a database of its own, in front of the stub upstream: for the medium
 * tests, which call the use-case services directly (`app.get(ResponsesService)`), with real Postgres and real SQL.
 */
export interface ServiceContext {
  app: INestApplication;
  stub: StubUpstream;
  db: FreshDatabase;
  close(): Promise<void>;
}

export async function startServiceContext(env: Record<string, string> = {}): Promise<ServiceContext> {
  const db = await createFreshDatabase();
  const stub = await startStubUpstream();
  const config = loadConfig({ LOG_LEVEL: 'silent', UPSTREAM_BASE_URL: stub.baseURL, ...env });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, db.url)] }).compile();
  const app = moduleRef.createNestApplication(new StableShapeExpressAdapter(), { logger: false });
  await app.init();
  return {
    app,
    stub,
    db,
    close: async () => {
      await app.close();
      await stub.close();
      await db.drop();
    },
  };
}

/** A create's answer as an object (a create that was not streamed). */
export function objectOf(result: CreateResult) {
  if (result.kind !== 'object') throw new Error(`expected an object, got a ${result.kind}`);
  return result.response;
}

/** A streamed create's events, parsed, read to the end. */
export async function eventsOf(result: CreateResult): Promise<Array<{ type: string; sequence_number: number; [key: string]: any }>> {
  if (result.kind !== 'stream') throw new Error(`expected a stream, got a ${result.kind}`);
  return (await lastValueFrom(result.events.pipe(toArray()))).map((event) => JSON.parse(event.json));
}

/** A cancellation never requested: the caller stays. */
export const STAYS: Cancellation = { requested: false, onRequest: () => () => undefined };

/** `body` as the validation pipe gives it to a controller: a DTO instance, or the pipe's 400. */
export function dtoOf<T extends object>(type: new () => T, body: Record<string, unknown>): Promise<T> {
  return apiValidationPipe().transform(body, { type: 'body', metatype: type }) as Promise<T>;
}

/** The text of a response's output messages (what the SDKs give as `output_text`). */
export function outputText(response: { output: unknown[] }): string {
  return (response.output as Array<{ type: string; content?: Array<{ type: string; text?: string }> }>)
    .flatMap((item) => (item.type === 'message' ? (item.content ?? []) : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}
