import { Injectable } from '@nestjs/common';

import { ApiError } from '../common/api-error';
import type { Cancellation } from '../common/cancellation';
import { AppConfig } from '../config/app-config';

interface Waiter {
  tenantId: string;
  start(): void;
}

/**
 * A bulkhead for reads that may hold a pooled connection for seconds: a history (a conversation's items, a chain of
 * previous responses, the items an input references, a page of items) may be MAX_CONTEXT_BYTES, which Postgres sends
 * and this process parses row by row. At most half the pool runs such reads at once, and one tenant at most a quarter
 * of those: without it, one tenant's dozens of turns of long conversations took every connection, and every other
 * request, whatever it needed, waited for one until it failed with a 503. Reads beyond either bound wait here, in
 * order, skipping those of a tenant at its bound. A read whose client goes away while it waits leaves the line: a
 * client that gives up and retries does not leave its earlier reads to run for nobody.
 */
@Injectable()
export class HeavyReads {
  readonly limit: number;
  readonly perTenant: number;
  private running = 0;
  private readonly byTenant = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  constructor(config: AppConfig) {
    this.limit = Math.max(1, Math.floor(config.DATABASE_POOL_SIZE / 2));
    this.perTenant = Math.max(1, Math.ceil(this.limit / 4));
  }

  async run<T>(tenantId: string, read: () => Promise<T>, cancellation?: Cancellation): Promise<T> {
    if (cancellation?.requested) throw ApiError.clientClosedRequest();
    // A waiter is started with its place already taken (see release).
    if (this.hasRoom(tenantId)) this.take(tenantId);
    else await this.waitInLine(tenantId, cancellation);
    try {
      return await read();
    } finally {
      this.release(tenantId);
    }
  }

  private waitInLine(tenantId: string, cancellation: Cancellation | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const stopListening = cancellation?.onRequest(() => {
        const index = this.waiting.indexOf(waiter);
        if (index < 0) return;
        this.waiting.splice(index, 1);
        reject(ApiError.clientClosedRequest());
      });
      const waiter: Waiter = {
        tenantId,
        start: () => {
          stopListening?.();
          resolve();
        },
      };
      this.waiting.push(waiter);
    });
  }

  private hasRoom(tenantId: string): boolean {
    return this.running < this.limit && (this.byTenant.get(tenantId) ?? 0) < this.perTenant;
  }

  private take(tenantId: string): void {
    this.running += 1;
    this.byTenant.set(tenantId, (this.byTenant.get(tenantId) ?? 0) + 1);
  }

  private release(tenantId: string): void {
    this.running -= 1;
    const held = this.byTenant.get(tenantId)! - 1;
    if (held === 0) this.byTenant.delete(tenantId);
    else this.byTenant.set(tenantId, held);
    const next = this.waiting.findIndex((waiter) => this.hasRoom(waiter.tenantId));
    if (next < 0) return;
    const [waiter] = this.waiting.splice(next, 1);
    // Taken now, before the waiter runs, so that no read arriving meanwhile takes its place.
    this.take(waiter.tenantId);
    waiter.start();
  }
}
