import { createServer, IncomingMessage, ServerResponse } from 'node:http';

import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';

/**
 * Nest's Express adapter, with an HTTP server that builds every request and response with the Express app's
 * prototypes from the start. Express otherwise moves each one onto its prototypes (`Object.setPrototypeOf`) as it
 * arrives, and V8 gives an object changed that way a map (hidden class) of its own for every property added after:
 * each request's `req` and `res` had shapes no other request shared, and every property access on them missed V8's
 * caches (186 misses per create; plain Express spends half its CPU per request on them).
 *
 * The request and response classes extend Node's, and the app's prototypes become theirs (inheriting Express's):
 * a class built by `new` gets as many in-object fields as the constructors it extends set, so every request and
 * response shares one map and keeps fast properties. A plain function calling Node's constructor on a new object
 * shared a map too, but with room for few fields: Node's own symbol-keyed fields then turned each object into a
 * dictionary (slow properties) as it was built.
 */
export class StableShapeExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // HTTPS, and tracking connections to force-close them, stay Nest's own (this server uses neither).
    if (options.httpsOptions || options.forceCloseConnections) return super.initHttpServer(options);
    const app = this.getInstance<{ request: object; response: object }>();
    class AppRequest extends IncomingMessage {}
    class AppResponse extends ServerResponse {}
    Object.setPrototypeOf(AppRequest.prototype, app.request);
    Object.setPrototypeOf(AppResponse.prototype, app.response);
    app.request = AppRequest.prototype;
    app.response = AppResponse.prototype;
    this.httpServer = createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app as never);
  }
}
