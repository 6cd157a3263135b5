import type { Duplex } from 'node:stream';

import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Logger } from 'nestjs-pino';

import { AppModule } from './app.module';
import { ADMIN_PATH_PREFIX, checkAdminKey } from './auth/admin.guard';
import { ApiKeys } from './auth/api-keys.service';
import { ApiError } from './common/api-error';
import { errorForLog } from './common/log-redaction';
import { toApiError } from './common/to-api-error';
import { apiValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { ClientBuffers } from './http/client-buffers';
import { FairAdmission, fairAdmission } from './http/fair-admission';
import { JSON_CONTENT_TYPE, jsonBodies } from './http/json-bodies';
import { openApiDocument } from './http/openapi';
import { writeRawError } from './http/raw-error-response';
import { requestIds } from './http/request-ids';
import { createRootLogger, requestLogging } from './http/request-logging';
import { requestMetrics } from './http/request-metrics';
import { traceRequests } from './http/request-tracing';
import { StableShapeExpressAdapter } from './http/stable-shape-express-adapter';
import { unreadAnswers } from './http/unread-answers';
import { isTracing } from './tracing/tracing';

/** Builds the HTTP application (not yet listening): shared by main.ts and the end-to-end tests. */
export async function createServer(config: AppConfig, databaseUrl: string): Promise<NestExpressApplication> {
  const logger = createRootLogger(config.LOG_LEVEL);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl, logger), new StableShapeExpressAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('etag', false);
  // The SDKs send array query parameters with brackets (`include[]=…`): qs reads them as arrays, Express 5's default
  // parser as an unknown `include[]`.
  app.set('query parser', 'extended');
  const keys = app.get(ApiKeys);
  const callerOf = (req: Request) => keys.admissionLine(req.headers.authorization);
  const buffers = app.get(ClientBuffers);
  app.use(
    requestIds(),
    requestLogging(logger),
    requestMetrics(),
    // Spans of requests only where they are recorded (startTracing runs before the server is built).
    ...(isTracing() ? [traceRequests()] : []),
    // After the request's clocks start (its duration and openai-processing-ms include its wait), before its body is read.
    fairAdmission(app.get(FairAdmission), callerOf),
    authenticateBodies(keys, config.ADMIN_API_KEY),
    requireJsonBody,
    unreadAnswers(buffers, callerOf),
    jsonBodies({ limitBytes: config.bodyLimitBytes, buffers, callerOf }),
    bodyErrors,
  );
  app.useGlobalPipes(apiValidationPipe());
  setupSwagger(app);
  const server = app.getHttpServer();
  server.keepAliveTimeout = config.KEEP_ALIVE_TIMEOUT_MS;
  // A request's headers must be allowed to arrive on a connection kept open that long.
  server.headersTimeout = config.KEEP_ALIVE_TIMEOUT_MS + 1000;
  server.on('clientError', answerClientError);
  return app;
}

/**
 * What Node's HTTP parser refuses before Express sees it (headers or URL over 16 KB, a malformed request line) gets
 * OpenAI's error shape, not Node's bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    writeRawError(socket, new ApiError(431, 'The request line and headers are larger than this server accepts (16 KB).', 'request_header_fields_too_large'));
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'HPE_HEADERS_TIMEOUT') {
    writeRawError(socket, new ApiError(408, 'The request was not received in time.', 'request_timeout'));
  } else {
    writeRawError(socket, new ApiError(400, 'The request is not valid HTTP.', 'invalid_request'));
  }
}

/**
 * With API keys on, a request with a body and a key that is missing or wrong is refused before its body is read:
 * an unauthenticated client makes the server neither read nor inflate what it sends.
 */
function authenticateBodies(keys: ApiKeys, adminKey: string | undefined): RequestHandler {
  return (req, _res, next) => {
    const admin = req.path.startsWith(ADMIN_PATH_PREFIX);
    if ((!keys.enabled && !admin) || !hasBody(req)) return next();
    if (admin) {
      try {
        checkAdminKey(adminKey, req.headers.authorization);
        return next();
      } catch (error) {
        return next(error);
      }
    }
    keys.callerOf(req.headers.authorization, req.headers['openai-project']).then(() => next(), next);
  };
}

function hasBody(req: Request): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

function setupSwagger(app: NestExpressApplication): void {
  SwaggerModule.setup('docs', app, openApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}

/** A body that is not JSON is refused before it is parsed. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const type = req.headers['content-type'] ?? '';
  if (hasBody(req) && !JSON_CONTENT_TYPE.test(type)) {
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
  if (apiError.status >= 500) new NestLogger('Errors').error(errorForLog(error));
  if (apiError.retryAfter !== undefined) res.setHeader('Retry-After', String(apiError.retryAfter));
  res.status(apiError.status).json(apiError.toBody());
}
