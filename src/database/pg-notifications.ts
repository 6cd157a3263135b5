import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';

export const DATABASE_URL = Symbol('DATABASE_URL');

type Handler = (payload: string) => void;

const RECONNECT_AFTER_MS = 1000;

/**
 * Postgres LISTEN/NOTIFY for the whole process over one dedicated connection, so that replicas can wake each other
 * (a job queued, a job cancelled, events appended) without a broker. Notifications can be missed while the
 * connection is down: every user also polls, slowly, as a fallback.
 */
@Injectable()
export class PgNotifications implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PgNotifications.name);
  private readonly handlers = new Map<string, Set<Handler>>();
  private client?: Client;
  private closed = false;
  private reconnecting = false;
  private commands: Promise<unknown> = Promise.resolve();

  constructor(@Inject(DATABASE_URL) private readonly url: string) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }

  /** Calls `handler` with each payload notified on `channel`; returns the function that stops it. */
  listen(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      const client = this.client;
      if (client)
        this.serially(() => client.query(`LISTEN ${quoteIdent(channel)}`)).catch((error: unknown) =>
          this.logger.warn(`LISTEN ${channel} failed: ${String(error)}`),
        );
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.scheduleReconnect();
    };
    client.on('error', (error) => {
      this.logger.warn(`notification connection lost: ${error.message}`);
      lost();
    });
    client.on('end', lost);
    await this.serially(async () => {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
      this.client = client;
    });
  }

  /** One command at a time on the connection. */
  private serially<T>(command: () => Promise<T>): Promise<T> {
    const result = this.commands.then(command);
    this.commands = result.catch(() => undefined);
    return result;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    setTimeout(() => {
      this.reconnecting = false;
      if (this.closed) return;
      this.connect().catch((error: unknown) => {
        this.logger.warn(`could not reconnect for notifications: ${String(error)}`);
        this.scheduleReconnect();
      });
    }, RECONNECT_AFTER_MS).unref();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
