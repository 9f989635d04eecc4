// The one place configuration is read: environment variables parsed by zod, once, at the composition root.
import { resolve } from 'node:path';
import { z } from 'zod';
import { PREFIX_PATTERN } from './domain/journeys/index.ts';
import { DEFAULT_CHANNEL_PATHS, DEFAULT_GUID_PATHS, parsePathList } from './domain/segment/index.ts';
import { DEFAULT_CONVERSATION_TTL_MS, DEFAULT_OUTREACH_ABANDON_DAYS, outreachAbandonMs, parseConversationTtl, type IdleLimits } from './domain/conversations/index.ts';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration: `300ms`, `30s`, `5m`, `2h`, or a number of seconds. */
const duration = z
  .string()
  .regex(DURATION, 'a duration such as 500ms, 30s, 5m or 2h')
  .transform((v) => {
    const [, n, unit] = DURATION.exec(v)!;
    return Math.round(Number(n) * UNIT_MS[(unit ?? 's') as keyof typeof UNIT_MS]);
  });

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i;
const UNIT_BYTES = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;

/** A size in bytes: `512kb`, `1mb`, or a number of bytes (express's own notation, checked here, not at the first request). */
const size = z
  .string()
  .regex(SIZE, 'a size such as 100kb, 1mb or a number of bytes')
  .transform((v) => {
    const [, n, unit] = SIZE.exec(v)!;
    return Math.floor(Number(n) * UNIT_BYTES[(unit ?? 'b').toLowerCase() as keyof typeof UNIT_BYTES]);
  })
  .refine((n) => n >= 1024 && n <= 64 * 1024 ** 2, 'between 1kb and 64mb');

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Route classes with budgets of their own (src/api/http/route.ts declares which route is in which). */
export type RateBudgets = Record<'default' | 'guid' | 'batch' | 'export', { quota: number; windowMs: number }>;
const BUDGET = /^(default|guid|batch|export)=(\d+)\/(\d+(?:\.\d+)?(?:ms|s|m|h)?)$/;

/** Budgets per route class: `guid=20/1s,default=200/1s` (requests per window); classes left out keep their default. */
const budgets = z
  .string()
  .refine((v) => v.split(',').every((part) => BUDGET.test(part.trim())), 'class=requests/window, comma-separated, e.g. guid=20/1s,default=200/1s (classes: default guid batch export)')
  .transform((v): Partial<RateBudgets> =>
    Object.fromEntries(
      v.split(',').map((part) => {
        const [, cls, quota, window] = BUDGET.exec(part.trim())!;
        return [cls, { quota: Number(quota), windowMs: duration.parse(window) }];
      }),
    ),
  );

const DEFAULT_BUDGETS: RateBudgets = {
  default: { quota: 200, windowMs: 1000 },
  guid: { quota: 20, windowMs: 1000 },
  batch: { quota: 50, windowMs: 1000 },
  export: { quota: 2, windowMs: 1000 },
};

const list = z.string().transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean));

/** Browser origins (`https://host[:port]`, no path), comma-separated: a typo would silently refuse every page. */
const isOrigin = (o: string) => URL.canParse(o) && new URL(o).origin === o;
const origins = list.refine((v) => v.every(isOrigin), 'origins such as https://forms.example.com (scheme, host and port only), comma-separated');

/** Dot paths into a Segment message, comma-separated, the first holding a value wins. */
const pathList = z.string().transform((v, ctx) => {
  const parsed = parsePathList(v);
  if (parsed.ok) return parsed.paths;
  ctx.addIssue({ code: 'custom', message: parsed.reason });
  return z.NEVER;
});

/** Per-state idle limits of conversations: `BOT_SESSION=30m,PENDING_AGENT=2h` (states left out keep their default), or `off`. */
const conversationTtl = z.string().transform((v, ctx) => {
  const parsed = parseConversationTtl(v, (d) => {
    const ms = duration.safeParse(d);
    return ms.success ? ms.data : undefined;
  });
  if (parsed.ok) return parsed.value;
  for (const reason of parsed.reasons) ctx.addIssue({ code: 'custom', message: reason });
  return z.NEVER;
});

/** Every variable Threadline reads, with its default; the README's configuration table is checked against it. */
const schema = z.object({
  PORT: count(0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  THREADLINE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
  THREADLINE_POOL_SIZE: count(1, 500).default(20),
  THREADLINE_CONNECT_TIMEOUT: duration.default(10_000),
  THREADLINE_GUID_PREFIX: z.string().regex(PREFIX_PATTERN, 'uppercase letters and digits, starting with a letter').default('FORD'),
  THREADLINE_PUBLIC_URL: z.string().url().optional(),
  THREADLINE_BODY_LIMIT: size.default(1024 ** 2),
  THREADLINE_MAX_IN_FLIGHT: count(1, 100_000).default(64),
  THREADLINE_MAX_IN_FLIGHT_EVENTS: count(1, 10_000_000).default(20_000),
  THREADLINE_GROUP_COMMIT_MAX_EVENTS: count(1, 100_000).default(2000),
  THREADLINE_GROUP_COMMIT_FLUSHES: count(1, 64).default(4),
  THREADLINE_HEADERS_TIMEOUT: duration.default(10_000),
  THREADLINE_REQUEST_TIMEOUT: duration.default(30_000),
  THREADLINE_MAX_FUTURE_SKEW: duration.default(5 * 60_000),
  THREADLINE_READ_YOUR_WRITES_TIMEOUT: duration.default(5000),
  THREADLINE_PREDICTION_MODEL_MAX_AGE: duration.default(30_000),
  THREADLINE_PROJECTION_BATCH_SIZE: count(1, 100_000).optional(),
  THREADLINE_PROJECTION_POLL: duration.default(100),
  THREADLINE_PROJECTION_LINGER: duration.default(20),
  THREADLINE_MAINTENANCE_INTERVAL: duration.default(10 * 60_000),
  THREADLINE_SHUTDOWN_GRACE: duration.default(10_000),
  THREADLINE_ADMIN_KEY: z.string().min(32, 'at least 32 characters').optional(),
  THREADLINE_KEY_CACHE_TTL: duration.default(1000),
  THREADLINE_OAUTH_JWKS_URL: z.string().url().optional(),
  THREADLINE_OAUTH_ISSUER: z.string().min(1).optional(),
  THREADLINE_OAUTH_AUDIENCE: z.string().min(1).optional(),
  THREADLINE_OAUTH_ROLE_CLAIM: z.string().min(1).default('threadline_role'),
  THREADLINE_OAUTH_DEALERS_CLAIM: z.string().min(1).default('dealer_codes'),
  THREADLINE_OAUTH_CLOCK_SKEW: duration.default(30_000),
  THREADLINE_RATE_LIMITS: budgets.optional(),
  THREADLINE_RATE_LIMIT_STORE: z.enum(['shared', 'memory']).default('shared'),
  THREADLINE_AUDIT_FLUSH: duration.default(100),
  THREADLINE_CORS_ORIGINS: list.default([]),
  THREADLINE_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  THREADLINE_SEGMENT_GUID_PATH: pathList.default([...DEFAULT_GUID_PATHS]),
  THREADLINE_SEGMENT_CHANNEL_PATH: pathList.default([...DEFAULT_CHANNEL_PATHS]),
  THREADLINE_CHANNEL_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  THREADLINE_PORTAL_SESSION_TTL: duration.default(30 * 60_000),
  THREADLINE_CONVERSATION_TTL: conversationTtl.default({ ...DEFAULT_CONVERSATION_TTL_MS }),
  THREADLINE_OUTREACH_ABANDON_DAYS: count(0, 3650).default(DEFAULT_OUTREACH_ABANDON_DAYS),
  THREADLINE_IDLE_CHECK_INTERVAL: duration.refine((ms) => ms >= 1000, 'at least 1s').default(60_000),
  THREADLINE_HANDOFF_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  THREADLINE_COLLECT_ORIGINS: origins.default([]),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  SENDGRID_WEBHOOK_PUBLIC_KEY: z.string().min(1).optional(),
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(1).optional(),
  CHATWOOT_WEBHOOK_SECRET: z.string().min(1).optional(),
  CHATWOOT_WEBHOOK_URL_TOKEN: z.string().min(32, 'at least 32 characters').optional(),
  CHATWOOT_DEALER_CODE: z.string().regex(/^[A-Za-z0-9]{1,16}$/, '1 to 16 letters or digits').transform((s) => s.toUpperCase()).optional(),
  THREADLINE_LIVE_RETENTION: duration.default(7 * 24 * 3_600_000),
  THREADLINE_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  NATS_URL: z.string().regex(/^(nats|tls|wss?):\/\/\S+$/, 'a NATS server URL, e.g. nats://127.0.0.1:4222').optional(),
  THREADLINE_NATS_STREAM: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ or -').default('THREADLINE'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The names of the variables the schema reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface Config {
  port: number;
  host: string;
  store: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; connectionString: string; poolSize: number; connectionTimeoutMs: number };
  guidPrefix: string;
  publicUrl: string;
  http: {
    bodyLimitBytes: number;
    /** A client that trickles its headers or body cannot hold a connection (and a stopping process) for ever. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** How long a journey query waits for the caller's own writes to be projected before it answers 503. */
    readYourWritesTimeoutMs: number;
    /** Work in flight past which requests are answered 503 + Retry-After at once (backpressure). */
    inFlight: { maxRequests: number; maxEvents: number };
    /** Concurrent requests' events appended together: at most this many events per flush, this many flushes at once. */
    groupCommit: { maxEvents: number; maxFlushes: number };
  };
  /** How far ahead of the server's clock an event time may be. */
  maxFutureSkewMs: number;
  /** How stale the conversion-prediction model may get under writes (0 refits on every change). */
  predictionModelMaxAgeMs: number;
  projections: { batchSize: number; pollIntervalMs: number; lingerMs: number };
  /** Where the database does not maintain itself (PGlite): how often VACUUM ANALYZE runs. */
  maintenanceIntervalMs: number;
  /** How long a stopping server waits for in-flight requests before it closes their connections. */
  shutdownGraceMs: number;
  access: {
    /** A secret that authenticates as admin (deployments, tests); otherwise the first start creates an admin key. */
    adminKey: string | null;
    /** How long a verified key is trusted before it is looked up again (a revocation reaches other processes within it). */
    keyCacheTtlMs: number;
    oauth: { jwksUrl: string; issuer: string; audience: string; roleClaim: string; dealersClaim: string; clockSkewMs: number } | null;
    rateLimits: RateBudgets;
    /** `shared`: budgets counted in PostgreSQL for every process (one upsert per request); `memory`: per process. */
    rateLimitStore: 'shared' | 'memory';
    /** How long audit records wait in memory before they are written in one batch. */
    auditFlushMs: number;
    corsOrigins: readonly string[];
    /** Behind a load balancer: take the client address from X-Forwarded-For. */
    trustProxy: boolean;
  };
  /** Where a Segment message carries its journey GUID and its channel (docs/segment.md). */
  segment: { guidPaths: readonly string[]; channelPaths: readonly string[] };
  /** Channel tracking (docs/channels.md): the providers' webhook secrets (null: that webhook answers 503). */
  channels: {
    /** Signs tracking links and keys contact-point hashes; null: one is made at the first start and kept in the database. */
    secret: string | null;
    portalSessionTtlMs: number;
    providers: { twilioAuthToken: string | null; sendgridPublicKey: string | null; mailgunSigningKey: string | null };
  };
  /** Chatwoot's webhook (docs/conversations.md "Chatwoot"): its signing secret, the URL token for unsigned versions, the default dealer. */
  chatwoot: { webhookSecret: string | null; urlToken: string | null; dealerCode: string | null };
  /** The web-view collector (docs/conversations.md): who may send to POST /api/v2/collect, and the hand-off token's key. */
  collector: {
    /** Signs hand-off tokens; null: one is made at the first start and kept in the database. */
    handoffSecret: string | null;
    /** Browser origins of the web views (CORS on the collect endpoint; hand-off URLs must be on one). */
    origins: readonly string[];
  };
  /** The TTL worker (docs/conversations.md "Idle limits"): per-state limits, and how often it looks. */
  idleLimits: IdleLimits & { intervalMs: number };
  /** Live outputs: webhook destinations (docs/webhooks.md) and the NATS JetStream publisher (null: off). */
  live: {
    /** Allow webhook URLs on loopback, private and link-local addresses, and plain http (local development, tests). */
    webhookAllowPrivate: boolean;
    /** How long the outbox keeps an envelope (SSE resume and replays reach back this far). */
    retentionMs: number;
    nats: { url: string; stream: string } | null;
  };
  /** Where the first start writes the admin key it creates (`admin.key`, mode 0600). */
  dataDir: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
}

export class ConfigError extends Error {}

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  // An empty variable means unset (as `DATABASE_URL= npm start` suggests).
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const oauthParts = [c.THREADLINE_OAUTH_JWKS_URL, c.THREADLINE_OAUTH_ISSUER, c.THREADLINE_OAUTH_AUDIENCE];
  if (oauthParts.some((v) => v !== undefined) && oauthParts.some((v) => v === undefined)) {
    throw new ConfigError('Invalid configuration:\n  THREADLINE_OAUTH_JWKS_URL, THREADLINE_OAUTH_ISSUER and THREADLINE_OAUTH_AUDIENCE: set all three or none');
  }
  return {
    port: c.PORT,
    host: c.HOST,
    store: c.DATABASE_URL
      ? { kind: 'postgres', connectionString: c.DATABASE_URL, poolSize: c.THREADLINE_POOL_SIZE, connectionTimeoutMs: c.THREADLINE_CONNECT_TIMEOUT }
      : { kind: 'pglite', dataDir: resolve(c.THREADLINE_DATA_DIR) },
    guidPrefix: c.THREADLINE_GUID_PREFIX,
    publicUrl: (c.THREADLINE_PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
    http: {
      bodyLimitBytes: c.THREADLINE_BODY_LIMIT,
      headersTimeoutMs: c.THREADLINE_HEADERS_TIMEOUT,
      requestTimeoutMs: c.THREADLINE_REQUEST_TIMEOUT,
      readYourWritesTimeoutMs: c.THREADLINE_READ_YOUR_WRITES_TIMEOUT,
      inFlight: { maxRequests: c.THREADLINE_MAX_IN_FLIGHT, maxEvents: c.THREADLINE_MAX_IN_FLIGHT_EVENTS },
      groupCommit: { maxEvents: c.THREADLINE_GROUP_COMMIT_MAX_EVENTS, maxFlushes: c.THREADLINE_GROUP_COMMIT_FLUSHES },
    },
    maxFutureSkewMs: c.THREADLINE_MAX_FUTURE_SKEW,
    predictionModelMaxAgeMs: c.THREADLINE_PREDICTION_MODEL_MAX_AGE,
    projections: {
      // PostgreSQL catches up fastest in big batches; on the embedded store a batch holds the one connection every
      // request needs, so smaller ones keep writes answered while the read models replay (bench/RESULTS.md).
      batchSize: c.THREADLINE_PROJECTION_BATCH_SIZE ?? (c.DATABASE_URL ? 10_000 : 2000),
      pollIntervalMs: c.THREADLINE_PROJECTION_POLL,
      lingerMs: c.THREADLINE_PROJECTION_LINGER,
    },
    maintenanceIntervalMs: c.THREADLINE_MAINTENANCE_INTERVAL,
    shutdownGraceMs: c.THREADLINE_SHUTDOWN_GRACE,
    access: {
      adminKey: c.THREADLINE_ADMIN_KEY ?? null,
      keyCacheTtlMs: c.THREADLINE_KEY_CACHE_TTL,
      oauth: c.THREADLINE_OAUTH_JWKS_URL
        ? {
            jwksUrl: c.THREADLINE_OAUTH_JWKS_URL,
            issuer: c.THREADLINE_OAUTH_ISSUER!,
            audience: c.THREADLINE_OAUTH_AUDIENCE!,
            roleClaim: c.THREADLINE_OAUTH_ROLE_CLAIM,
            dealersClaim: c.THREADLINE_OAUTH_DEALERS_CLAIM,
            clockSkewMs: c.THREADLINE_OAUTH_CLOCK_SKEW,
          }
        : null,
      rateLimits: { ...DEFAULT_BUDGETS, ...c.THREADLINE_RATE_LIMITS },
      rateLimitStore: c.THREADLINE_RATE_LIMIT_STORE,
      auditFlushMs: c.THREADLINE_AUDIT_FLUSH,
      corsOrigins: c.THREADLINE_CORS_ORIGINS,
      trustProxy: c.THREADLINE_TRUST_PROXY === 'true',
    },
    segment: { guidPaths: c.THREADLINE_SEGMENT_GUID_PATH, channelPaths: c.THREADLINE_SEGMENT_CHANNEL_PATH },
    channels: {
      secret: c.THREADLINE_CHANNEL_SECRET ?? null,
      portalSessionTtlMs: c.THREADLINE_PORTAL_SESSION_TTL,
      providers: {
        twilioAuthToken: c.TWILIO_AUTH_TOKEN ?? null,
        sendgridPublicKey: c.SENDGRID_WEBHOOK_PUBLIC_KEY ?? null,
        mailgunSigningKey: c.MAILGUN_WEBHOOK_SIGNING_KEY ?? null,
      },
    },
    chatwoot: { webhookSecret: c.CHATWOOT_WEBHOOK_SECRET ?? null, urlToken: c.CHATWOOT_WEBHOOK_URL_TOKEN ?? null, dealerCode: c.CHATWOOT_DEALER_CODE ?? null },
    collector: { handoffSecret: c.THREADLINE_HANDOFF_SECRET ?? null, origins: c.THREADLINE_COLLECT_ORIGINS },
    idleLimits: {
      conversation: c.THREADLINE_CONVERSATION_TTL,
      outreachAbandonMs: outreachAbandonMs(c.THREADLINE_OUTREACH_ABANDON_DAYS),
      intervalMs: c.THREADLINE_IDLE_CHECK_INTERVAL,
    },
    live: {
      webhookAllowPrivate: c.THREADLINE_WEBHOOK_ALLOW_PRIVATE === 'true',
      retentionMs: c.THREADLINE_LIVE_RETENTION,
      nats: c.NATS_URL ? { url: c.NATS_URL, stream: c.THREADLINE_NATS_STREAM } : null,
    },
    dataDir: resolve(c.THREADLINE_DATA_DIR),
    logLevel: c.LOG_LEVEL,
  };
};
