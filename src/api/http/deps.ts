// What buildApp needs, injected by the composition root (serve) or by tests.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { GroupCommitOptions } from '../../application/journeys/index.ts';
import type { AuditEntry, Principal } from '../../domain/access/index.ts';
import type { OpenedStore } from '../../eventstore/index.ts';
import type { ReadModels } from '../../projections/registry.ts';
import type { InFlightLimits } from './load-shedding.ts';
import type { LimitClass } from './route.ts';

/** What the composition root's projection workers say about each projection. */
export interface ProjectionStatus {
  name: string;
  failing: { since: string; error: string; retry_in_ms: number } | null;
}

/** The HTTP side's options, all chosen by the composition root (src/config.ts has the defaults and meanings). */
export interface AppConfig {
  guidPrefix: string;
  publicUrl: string;
  bodyLimitBytes: number;
  /** How far ahead of the server's clock an event time may be. */
  maxFutureSkewMs: number;
  /** How long a journey query waits for the caller's own writes to be projected. */
  readYourWritesTimeoutMs: number;
  /** How stale the conversion-prediction model may get under writes (0 refits on every change). */
  predictionModelMaxAgeMs: number;
  /** Work in flight past which requests are answered 503 at once. */
  inFlight: InFlightLimits;
  /** How concurrent requests' events are appended together. */
  groupCommit: GroupCommitOptions;
  /** Behind a load balancer: the client address is taken from X-Forwarded-For. */
  trustProxy: boolean;
  /** Where a Segment message carries its journey GUID and its channel: dot paths, the first with a value wins. */
  segment: { guidPaths: readonly string[]; channelPaths: readonly string[] };
  /** Webhook destinations may be plain http and on private addresses (THREADLINE_WEBHOOK_ALLOW_PRIVATE). */
  webhookAllowPrivate: boolean;
  /** Browser origins of web views that may send to the collector (THREADLINE_COLLECT_ORIGINS): CORS, hand-off URLs. */
  collectOrigins: readonly string[];
  /** Hold every answer to its declared schema (tests: the document cannot drift from the routes). */
  validateResponses?: boolean;
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Turns an Authorization header into a principal: an API key, the admin secret or an OAuth 2.0 token. */
export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Authentication>;
  /** Forgets what it cached, after a key changed in this process. */
  forget?(): void;
}

/** One request's draw on a budget (IETF RateLimit headers: `limit`, `remaining`, `reset` in seconds). */
export interface RateDecision {
  allowed: boolean;
  /** The budget's name and shape, for `RateLimit-Policy` (`"guid";q=10;w=1`). */
  policy: { name: string; quota: number; windowSeconds: number };
  remaining: number;
  resetSeconds: number;
}

/** Budgets per caller (a key, a token subject, or a client address on public routes) and route class. */
export interface RateLimiter {
  consume(subject: string, limit: LimitClass): Promise<RateDecision>;
}

/** Where audit records go: buffered and written in batches, so that auditing does not cost a write per request. */
export interface AuditSink {
  record(entry: AuditEntry): void;
}

export interface AccessDeps {
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  audit: AuditSink;
  /** Browser origins allowed to call the API (CORS); none by default. */
  corsOrigins: readonly string[];
}

/** The secrets that verify each provider's webhooks; null when unset (that webhook answers 503). */
export interface ChannelProviderSecrets {
  twilioAuthToken: string | null;
  sendgridPublicKey: string | null;
  mailgunSigningKey: string | null;
}

/** What the channel integrations need (docs/channels.md). */
export interface ChannelDeps {
  /** Signs tracking tokens and keys contact-point hashes. */
  secret: Buffer;
  providers: ChannelProviderSecrets;
  portalSessionTtlMs: number;
}

/** What the web-view collector needs (docs/conversations.md). */
export interface CollectorDeps {
  /** Signs and verifies hand-off tokens (HS256), alike in every process. */
  handoffKey: Uint8Array;
}

/** Chatwoot's webhook (docs/conversations.md "Chatwoot"); each null when unset. */
export interface ChatwootDeps {
  /** Verifies X-Chatwoot-Signature (Chatwoot 4.11.2 and later sign every delivery with the webhook's secret). */
  webhookSecret: string | null;
  /** Lets in unsigned deliveries (older Chatwoot) whose URL carries it as `?token=`. */
  urlToken: string | null;
  /** The dealer of conversations without a `dealer_code` custom attribute; unset, the webhook is off. */
  dealerCode: string | null;
}

export interface AppDeps {
  store: OpenedStore;
  db: Kysely<ReadModels>;
  projections: {
    waitForStream(streamId: string, timeoutMs: number): Promise<boolean>;
    status(): ProjectionStatus[];
    /** Told after every batch the named projection applied in this process (the live stream wakes on it). */
    onApplied(projection: string, listener: () => void): () => void;
  };
  config: AppConfig;
  access: AccessDeps;
  channels: ChannelDeps;
  collector: CollectorDeps;
  /** Absent: Chatwoot's webhook answers 503. */
  chatwoot?: ChatwootDeps;
  logger: Logger;
  clock?: () => Date;
  /** False until start-up (migrations) is done, and again while shutting down. */
  isReady?: () => boolean;
}
