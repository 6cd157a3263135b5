import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Server } from 'node:http';
import { json, type NextFunction, type Request, type Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ApiError } from './common/api-error';
import { toApiError } from './common/all-exceptions.filter';
import { apiValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { StableShapeExpressAdapter } from './http/stable-shape-express-adapter';

/** Builds the HTTP application (not yet listening): shared by main.ts and the end-to-end tests. */
export async function createServer(config: AppConfig, databaseUrl: string): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl), new StableShapeExpressAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('etag', false);
  // The SDKs send array query parameters with brackets (`include[]=…`): qs reads them as arrays, Express 5's default
  // parser as an unknown `include[]`.
  app.set('query parser', 'extended');
  app.use(requireJsonBody, json({ limit: config.BODY_LIMIT }), bodyErrors);
  app.useGlobalPipes(apiValidationPipe());
  setupSwagger(app);
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = config.KEEP_ALIVE_TIMEOUT_MS;
  // A request's headers must be allowed to arrive on a connection kept open that long.
  server.headersTimeout = config.KEEP_ALIVE_TIMEOUT_MS + 1000;
  return app;
}

function setupSwagger(app: NestExpressApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('responses-server')
      .setDescription('A self-hosted OpenAI Responses API. Point the official SDKs at http://<host>:8000/v1.')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'One of API_KEYS; any value when authentication is off.' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}

/** A body that is not JSON is refused before it is parsed. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const type = req.headers['content-type'] ?? '';
  if (hasBody && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    next(new ApiError(415, `Invalid Content-Type header (${type || 'none'}): expected application/json.`, 'unsupported_media_type'));
    return;
  }
  next();
}

/** Errors raised before Nest's router (body parsing, content type) get the same OpenAI-shaped body. */
function bodyErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  const apiError = toApiError(error);
  if (apiError.status >= 500) new NestLogger('Errors').error(error);
  res.status(apiError.status).json(apiError.toBody());
}
