import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';

const toBoolean = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? undefined
    : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase())
      ? true
      : ['0', 'false', 'no', 'off'].includes(String(value).toLowerCase())
        ? false
        : value;
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** Every environment variable the service reads, validated once at start-up. */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @IsString()
  HOST = '0.0.0.0';

  /** When unset, an embedded Postgres is started under DATA_DIR. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must start with postgres:// or postgresql://' })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE = 20;

  @IsString()
  DATA_DIR = './.data';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'UPSTREAM_BASE_URL must be an http(s) URL such as http://127.0.0.1:11434/v1' },
  )
  UPSTREAM_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  UPSTREAM_API_KEY?: string;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  UPSTREAM_TIMEOUT_MS = 600_000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  UPSTREAM_MAX_RETRIES = 0;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MODELS_FILE?: string;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  STREAM_HEARTBEAT_MS = 15_000;

  /**
   * Bytes of a stream written but not yet read by its client beyond which the client is disconnected as a reader
   * that stays behind (a stored response can be resumed with starting_after). Bounds the memory one reader can pin.
   */
  @Transform(toInt)
  @IsInt()
  @Min(65_536)
  STREAM_MAX_BUFFER_BYTES = 1_048_576;

  /**
   * How long the requests (HTTP, and WebSocket-mode messages) let in during one turn of the event loop may run before
   * the next waits for a later turn (see fair-admission.ts): a burst of requests then delays the streams already
   * running by about this much, not by the whole burst. 0 lets every request in at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  ADMISSION_SLICE_MS = 2;

  /**
   * How long a streamed response's events may wait to be logged together (the live stream never waits for the log;
   * someone resuming or following the stream from the log sees them this much later at most). A stream's events
   * of this window share one row (at 50 tokens a second, 50 ms puts two or three in each). A stream's first events,
   * and any after it was quiet this long, are written at once. 0 writes as soon as the write before has committed.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  EVENT_LOG_WINDOW_MS = 50;

  /**
   * How long an idle client connection is kept open. Longer than the idle timeout of the load balancers in front
   * (60 s on AWS ALB, 75 s on nginx would be the client side), so that they never reuse a connection this server has
   * just closed; Node's own 5 s made every quiet spell cost new connections.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  KEEP_ALIVE_TIMEOUT_MS = 65_000;

  /** Leave out events that the Open Responses specification does not define (e.g. response.tool_call.delta). */
  @Transform(toBoolean)
  @IsBoolean()
  STRICT_EVENTS = false;

  /** Refuse (400) a request with a tool this server would not offer the model (web_search with no provider…), instead of leaving it out. */
  @Transform(toBoolean)
  @IsBoolean()
  STRICT_TOOLS = false;

  /**
   * Where the `web_search` tool searches: `searxng` (WEB_SEARCH_URL is the instance, queried with format=json) or
   * `brave` (the Brave Search API; WEB_SEARCH_API_KEY is its subscription token). Unset: web_search is not offered.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['searxng', 'brave'])
  WEB_SEARCH_PROVIDER?: 'searxng' | 'brave';

  /** The search provider's base URL (required for searxng; brave defaults to https://api.search.brave.com). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'WEB_SEARCH_URL must be an http(s) URL' })
  WEB_SEARCH_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  WEB_SEARCH_API_KEY?: string;

  /** A search that takes longer fails (the model is told so and goes on). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  WEB_SEARCH_TIMEOUT_MS = 10_000;

  /**
   * Model turns one response may take around the tools the server runs itself (web_search): each turn's calls are
   * run and the model is asked again. The last turn is offered no tools, so that it answers.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  MAX_TOOL_ROUNDS = 8;

  /**
   * Where a model backend's streamed answer is cut short (text, reasoning and tool arguments together, in characters):
   * the response ends `incomplete` (`max_output_tokens`), as at its token limit, and the backend is stopped. Far above
   * any model's output; it stops a backend that would go on for ever from growing the response without end.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  MAX_OUTPUT_CHARS = 4 * 1024 * 1024;

  /**
   * The most a request's history may hold (a conversation's items, or a chain's of previous responses), as JSON, in
   * bytes: no model's context takes more, and a larger one would be read, held and sent upstream for nothing. Beyond
   * it, the oldest items are left out with `truncation: 'auto'`; otherwise the request is a 400.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1024 * 1024)
  MAX_CONTEXT_BYTES = 32 * 1024 * 1024;

  /**
   * Which hosts a request's `mcp` tools may reach (their `server_url`): unset, any host whose addresses are all public
   * (none on loopback, private, link-local or shared ranges), so that a request cannot reach into the company's own
   * network; or a comma-separated list of host names, `*.suffix` patterns and addresses, which alone are allowed
   * (`*`: any host); `none`: mcp tools are not offered.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\w.*:[\]-]+(,[\w.*:[\]-]+)*$/, { message: 'MCP_ALLOWED_HOSTS must be a comma-separated list of hosts, *.suffix patterns, *, or none' })
  MCP_ALLOWED_HOSTS?: string;

  /** How long connecting to a remote MCP server, listing its tools or one call of a tool may take. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  MCP_TIMEOUT_MS = 60_000;

  /**
   * The most an MCP server's answer may hold, in bytes: one call's result, or a listing of its tools (all pages).
   * A larger one fails that call or listing, as an unreachable server does, and is not read further.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  MCP_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

  /** Where OpenAI's webhooks of background responses (response.completed, .failed, .cancelled, .incomplete) go, for every tenant. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'WEBHOOK_URL must be an http(s) URL' })
  WEBHOOK_URL?: string;

  /** The secret WEBHOOK_URL's deliveries are signed with (Standard Webhooks), as OpenAI shows it: whsec_<base64>. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: 'WEBHOOK_SECRET must look like whsec_<base64>' })
  WEBHOOK_SECRET?: string;

  /** The first retry of a failed delivery waits this long; each next one twice as long (at most an hour). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  WEBHOOK_RETRY_BASE_MS = 5_000;

  /** A webhook not delivered this long after its event is given up (72 hours, as OpenAI). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  WEBHOOK_MAX_AGE_MS = 72 * 3_600_000;

  /** A receiver that has not answered a delivery in this long has failed it. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** The key of the admin API (`Authorization: Bearer <key>`, e.g. per-tenant webhook endpoints); unset: no admin API. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^\S{16,}$/, { message: 'ADMIN_API_KEY must be at least 16 characters without spaces' })
  ADMIN_API_KEY?: string;

  /**
   * Comma-separated `key=tenant` pairs, each optionally with its own limits: `key=tenant;rpm=600;tpm=200000`. Unset:
   * authentication is off and everyone is the tenant "default".
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[^=,;\s]+=[\w.-]+(;(rpm|tpm)=\d+)*(,[^=,;\s]+=[\w.-]+(;(rpm|tpm)=\d+)*)*$/, {
    message: 'API_KEYS must be comma-separated key=tenant pairs (each optionally ;rpm=N;tpm=N)',
  })
  API_KEYS?: string;

  /**
   * The key (base64 of 32 bytes) that seals what clients carry for the server, such as compaction items. Unset: one
   * is generated once and kept in Postgres for every replica. Changing it makes earlier compaction items unreadable.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'CONTENT_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)' })
  CONTENT_ENCRYPTION_KEY?: string;

  /** Requests per minute each tenant may make (the model-calling ones); unset: no limit. Shared by every replica. */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  RATE_LIMIT_RPM?: number;

  /** Tokens per minute each tenant may use (counted as responses end); unset: no limit. Shared by every replica. */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  RATE_LIMIT_TPM?: number;

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'BODY_LIMIT must look like 512kb or 20mb' })
  BODY_LIMIT = '20mb';

  /** BODY_LIMIT in bytes. */
  get bodyLimitBytes(): number {
    return bytesOf(this.BODY_LIMIT);
  }

  /**
   * The most bytes a process holds for clients that send or read slowly: request bodies as they arrive, until each
   * is parsed (HTTP bodies as they decompress, WebSocket messages), and answers written but not yet read. One caller
   * (a tenant) holds at most a quarter of it, or BODY_LIMIT if that is more. Past it, a body is refused (429 past the
   * caller's share, 503 past the whole) and an answer's connection is closed, so that clients that stall cannot fill
   * the memory.
   */
  @Matches(/^\d+(b|kb|mb)$/i, { message: 'CLIENT_BUFFER_LIMIT must look like 256mb' })
  CLIENT_BUFFER_LIMIT = '256mb';

  get clientBufferLimitBytes(): number {
    return bytesOf(this.CLIENT_BUFFER_LIMIT);
  }

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * How far (in percent) the JavaScript heap may grow past what the last full collection kept before the next one;
   * 0 leaves it to V8. See `src/common/heap-growth.ts`.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  HEAP_GROWTH_PERCENT = 300;

  /** Background jobs this process runs at once. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  JOB_CONCURRENCY = 16;

  /** A job whose worker stops renewing its lease for this long is taken over by another replica. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  JOB_LEASE_MS = 30_000;

  /** Creating a background response beyond this many queued jobs answers 429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MAX_QUEUED_JOBS = 10_000;

  /** A tenant's share of MAX_QUEUED_JOBS. Unset: a quarter of it with API_KEYS (several tenants), all of it without. */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  MAX_QUEUED_JOBS_PER_TENANT?: number;

  get maxQueuedJobsPerTenant(): number {
    return this.MAX_QUEUED_JOBS_PER_TENANT ?? (this.API_KEYS ? Math.ceil(this.MAX_QUEUED_JOBS / 4) : this.MAX_QUEUED_JOBS);
  }

  /**
   * How long the final write of a finished response (and its events) is retried while the database cannot be
   * reached, before the result is given up: a short outage delays an answer the model already gave, it does not
   * lose it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  DATABASE_OUTAGE_RETRY_MS = 30_000;

  /**
   * A server process that has not heartbeat for this long is dead to the others: a survivor ends the foreground
   * responses it was running as failed. Each process heartbeats every third of it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(300)
  PROCESS_DEAD_AFTER_MS = 15_000;

  /**
   * Stored responses (with their items and events), conversations (counted from their last item) and delivered
   * webhooks are purged this many days after they were made, as OpenAI keeps them 30 days. 0 keeps them forever.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RETENTION_DAYS = 30;

  /** How often a replica looks for what has expired (one replica at a time purges, a small batch per transaction). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  RETENTION_PURGE_EVERY_MS = 60_000;

  /** On SIGTERM, running jobs get this long to finish before they are handed back to the queue. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 10_000;

  /**
   * The embedded engine's model when no upstream serves a model: a local `.gguf` file, an `hf:<user>/<repo>:<quant>`
   * URI or a URL (downloaded once into DATA_DIR/models). Unset with no UPSTREAM_BASE_URL and no MODELS_FILE: a
   * small default instruct model.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MODEL_PATH?: string;

  /** Threads of the embedded engine; defaults to the physical cores (more is much slower). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(512)
  LLAMA_THREADS = physicalCores();

  /** Requests one embedded model serves at once; more wait in line. Each holds LLAMA_CONTEXT_SIZE tokens of memory. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  LLAMA_SEQUENCES = 4;

  /** Tokens of context per request on the embedded engine. */
  @Transform(toInt)
  @IsInt()
  @Min(256)
  LLAMA_CONTEXT_SIZE = 4096;

  /** GPU of the embedded engine: auto (the best prebuilt binary that loads), false (CPU only), cuda, vulkan or metal. */
  @IsIn(['auto', 'false', 'cuda', 'vulkan', 'metal'])
  LLAMA_GPU = 'auto';
}

export class ConfigError extends Error {}

/** Physical CPU cores (hyper-threads share one), which is what llama.cpp evaluation scales with. */
export function physicalCores(): number {
  try {
    const cores = new Set(
      readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n\n')
        .map((block) => `${/physical id\s*:\s*(\d+)/.exec(block)?.[1]}:${/core id\s*:\s*(\d+)/.exec(block)?.[1] ?? block}`)
        .filter((key) => !key.endsWith(':')),
    );
    if (cores.size > 0) return cores.size;
  } catch {
    // Not Linux: fall through.
  }
  return Math.max(1, availableParallelism());
}

/** Variables whose values are credentials. */
const SECRET_VARIABLES = new Set([
  'API_KEYS',
  'UPSTREAM_API_KEY',
  'DATABASE_URL',
  'CONTENT_ENCRYPTION_KEY',
  'WEB_SEARCH_API_KEY',
  'WEBHOOK_SECRET',
  'ADMIN_API_KEY',
]);

/** A size as BODY_LIMIT writes it (`512kb`, `20mb`), in bytes. */
function bytesOf(size: string): number {
  const [, count, unit] = /^(\d+)(b|kb|mb)$/i.exec(size)!;
  return Number(count) * { b: 1, kb: 1024, mb: 1024 * 1024 }[unit.toLowerCase() as 'b' | 'kb' | 'mb'];
}

/** Builds the configuration from the environment; a bad value throws a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config = plainToInstance(AppConfig, { ...env }, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      // A malformed secret is named, never printed: start-up output ends up in logs.
      const value = SECRET_VARIABLES.has(error.property) ? '(value hidden)' : JSON.stringify(env[error.property]);
      return `${error.property}=${value}: ${Object.values(error.constraints ?? {}).join('; ')}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  if (config.clientBufferLimitBytes < config.bodyLimitBytes)
    throw new ConfigError(
      `Invalid configuration:\n  CLIENT_BUFFER_LIMIT=${config.CLIENT_BUFFER_LIMIT} is less than BODY_LIMIT=${config.BODY_LIMIT}: no body that large could ever be read`,
    );
  if (config.WEBHOOK_URL && !config.WEBHOOK_SECRET)
    throw new ConfigError(
      'Invalid configuration:\n  WEBHOOK_URL needs WEBHOOK_SECRET (whsec_ and the base64 of a random key, e.g. whsec_$(openssl rand -base64 32))',
    );
  if (config.WEB_SEARCH_PROVIDER === 'searxng' && !config.WEB_SEARCH_URL)
    throw new ConfigError('Invalid configuration:\n  WEB_SEARCH_PROVIDER=searxng needs WEB_SEARCH_URL (the instance, e.g. http://searxng:8080)');
  if (config.WEB_SEARCH_PROVIDER === 'brave' && !config.WEB_SEARCH_API_KEY)
    throw new ConfigError('Invalid configuration:\n  WEB_SEARCH_PROVIDER=brave needs WEB_SEARCH_API_KEY (a Brave Search API subscription token)');
  return config;
}
