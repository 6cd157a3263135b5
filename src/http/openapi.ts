import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { PROBE_PATHS } from './probe-paths';

/**
 * The API's OpenAPI document, built from the controllers and DTOs: served at /docs (Swagger UI) and /docs/openapi.json,
 * and committed as openapi.json (test/openapi.e2e-spec.ts fails when the two differ).
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('responses-server')
      .setDescription('A self-hosted OpenAI Responses API. Point the official SDKs at `http://HOST:8000/v1`.')
      .setVersion('0.1.0')
      .addServer('http://localhost:8000', 'A server on this machine')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'A tenant API key (API_KEYS, or a managed key); the admin key for /admin. Any value when authentication is off.',
      })
      .addSecurityRequirements('bearer')
      .build(),
  );
  for (const schema of requestSchemas(document)) {
    for (const property of Object.values(schema.properties ?? {}) as Array<{ default?: unknown; description?: string }>) moveDefaultToDescription(property);
  }
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<{ parameters?: Array<{ schema?: { default?: unknown }; description?: string }> }>) {
      for (const parameter of operation?.parameters ?? []) if (parameter.schema) moveDefaultToDescription(parameter.schema, parameter);
    }
  }
  // Anyone may call them (no key): they say so in the document (`security: []`).
  for (const path of PROBE_PATHS) {
    for (const operation of Object.values(document.paths[path] ?? {})) {
      if (typeof operation === 'object' && operation !== null && 'responses' in operation) operation.security = [];
    }
  }
  return document;
}

/**
 * What a request may leave out says its default in words only: generators (openapi-typescript among them) make a
 * property with a `default` required, which a request's optional fields are not.
 */
function moveDefaultToDescription(schema: { default?: unknown; description?: string }, describe: { description?: string } = schema): void {
  if (schema.default === undefined) return;
  const note = `Default: ${JSON.stringify(schema.default)}.`;
  describe.description = describe.description ? `${describe.description} ${note}` : note;
  delete schema.default;
}

/** The schemas of request bodies, and the schemas they hold. */
function requestSchemas(document: OpenAPIObject): Array<{ properties?: Record<string, unknown> }> {
  const schemas = (document.components?.schemas ?? {}) as Record<string, { properties?: Record<string, unknown> }>;
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string') {
      const name = ref.split('/').pop()!;
      if (!found.has(name)) {
        found.add(name);
        visit(schemas[name]);
      }
      return;
    }
    Object.values(value).forEach(visit);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<{ requestBody?: unknown }>) visit(operation?.requestBody);
  }
  return [...found].map((name) => schemas[name]).filter(Boolean);
}
