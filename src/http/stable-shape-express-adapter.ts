import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';

/**
 * Nest's Express adapter, with an HTTP server that builds every request and response with the Express app's
 * prototypes from the start. Express otherwise moves each one onto its prototypes (`Object.setPrototypeOf`) as it
 * arrives, and V8 gives an object changed that way a map (hidden class) of its own for every property added after:
 * each request's `req` and `res` had shapes no other request shared, and every property access on them missed V8's
 * caches (186 misses per create; plain Express spends half its CPU per request on them). Built with the right
 * prototype, Express's change is a no-op.
 */
export class StableShapeExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // HTTPS, and tracking connections to force-close them, stay Nest's own (this server uses neither).
    if (options.httpsOptions || options.forceCloseConnections) return super.initHttpServer(options);
    const app = this.getInstance<{ request: object; response: object }>();
    this.httpServer = createServer(
      { IncomingMessage: withPrototype(IncomingMessage, app.request), ServerResponse: withPrototype(ServerResponse, app.response) },
      app as never,
    );
  }
}

/**
 * A constructor that builds what `base` builds, with `prototype` as the instance's prototype. It calls `base` on a
 * new object rather than `Reflect.construct(base, args, Built)`, which would also give every object a map of its own.
 */
function withPrototype<T extends typeof IncomingMessage | typeof ServerResponse>(base: T, prototype: object): T {
  const initialize = base as unknown as (this: object, ...args: unknown[]) => void;
  function Built(this: object, ...args: [Socket] | [IncomingMessage, object]) {
    initialize.apply(this, args);
  }
  Built.prototype = prototype;
  return Built as unknown as T;
}
