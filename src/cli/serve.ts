// `threadline serve`: open the store, migrate, start the projections, listen; drain and stop cleanly on SIGTERM.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { buildApp } from '../api/http/app.ts';
import type { AppConfig } from '../api/http/deps.ts';
import type { Config } from '../config.ts';
import { openAccess, type AccessOptions } from '../api/access/index.ts';
import { openRuntime, runtimeOptions } from '../runtime.ts';
import { ensureAdminKey } from './admin-key.ts';
import { createPortalSessionWorker } from '../workers/portal-session-worker.ts';
import { createIdleExpiryWorker } from '../workers/idle-expiry-worker.ts';
import { createNatsPublisher } from '../application/live/index.ts';
import { createLivePublisherWorker } from '../workers/live-publisher-worker.ts';
import { createWebhookWorkers } from '../workers/webhook-workers.ts';
import { createOutboxRetentionWorker } from '../workers/outbox-retention-worker.ts';
import { lowestPublisherPosition } from '../projections/live/index.ts';
import { relayPosition } from '../projections/webhooks/index.ts';

/** The HTTP app's options as the configuration sets them. */
export const appConfigOf = (config: Config): AppConfig => ({
  guidPrefix: config.guidPrefix,
  publicUrl: config.publicUrl,
  bodyLimitBytes: config.http.bodyLimitBytes,
  maxFutureSkewMs: config.maxFutureSkewMs,
  readYourWritesTimeoutMs: config.http.readYourWritesTimeoutMs,
  predictionModelMaxAgeMs: config.predictionModelMaxAgeMs,
  trustProxy: config.access.trustProxy,
  segment: config.segment,
  inFlight: config.http.inFlight,
  groupCommit: config.http.groupCommit,
  webhookAllowPrivate: config.live.webhookAllowPrivate,
  collectOrigins: config.collector.origins,
});

/** The access capability's options as the configuration sets them. */
export const accessOptionsOf = (config: Config, logger?: Logger): AccessOptions => ({
  adminSecret: config.access.adminKey,
  oauth: config.access.oauth,
  keyCacheTtlMs: config.access.keyCacheTtlMs,
  rateLimits: config.access.rateLimits,
  rateBackend: config.store.kind === 'postgres' && config.access.rateLimitStore === 'shared' ? { kind: 'postgres', connectionString: config.store.connectionString } : { kind: 'memory' },
  auditFlushMs: config.access.auditFlushMs,
  corsOrigins: config.access.corsOrigins,
  logger,
});

export const serve = async (config: Config, logger: Logger): Promise<Server> => {
  const rt = await openRuntime(config.store, 'threadline serve', runtimeOptions(config, logger));
  await rt.store.warmUp();
  const access = await openAccess(rt.store.readModels, accessOptionsOf(config, logger));
  await ensureAdminKey(rt.store.readModels, { adminSecret: config.access.adminKey, dataDir: config.dataDir, logger, audit: access.audit });
  let ready = true;
  rt.projections.start();
  // Ends dealer-portal sessions idle past the TTL (every process may run it: an end is stored once).
  const portalSessions = createPortalSessionWorker({ store: rt.store, readModels: rt.store.readModels, projections: rt.projections, logger }, { ttlMs: config.channels.portalSessionTtlMs });
  portalSessions.start();
  // Expires idle conversations and abandons unanswered outreach (every process may run it: one looks at a time, and
  // an expiry is stored once).
  const idleExpiry = createIdleExpiryWorker(
    { store: rt.store, readModels: rt.store.readModels, logger },
    { limits: config.idleLimits, intervalMs: config.idleLimits.intervalMs, exclusive: rt.store.kind === 'pglite' },
  );
  idleExpiry.start();
  // Every live envelope to NATS JetStream when NATS_URL is set; a server that is down is retried, never waited for.
  const natsConfig = config.live.nats;
  const nats = natsConfig ? createNatsPublisher(natsConfig) : null;
  const natsWorker =
    nats && natsConfig
      ? createLivePublisherWorker({ readModels: rt.store.readModels, publisher: nats, onApplied: (p, l) => rt.projections.onApplied(p, l), logger }, { name: `nats:${natsConfig.stream}`, exclusive: rt.store.kind === 'pglite' })
      : null;
  natsWorker?.start();
  // Webhooks: the outbox fanned out to each subscribed endpoint and sent with retries (several processes safe).
  const webhooks = createWebhookWorkers({ readModels: rt.store.readModels, projections: rt.projections, logger }, { allowPrivate: config.live.webhookAllowPrivate });
  webhooks.start();
  // The outbox keeps THREADLINE_LIVE_RETENTION of envelopes, and nothing the relay or a publisher has not passed.
  const retention = createOutboxRetentionWorker(rt.store.readModels, {
    retentionMs: config.live.retentionMs,
    floor: async () => {
      const floors = [await relayPosition(rt.store.readModels), await lowestPublisherPosition(rt.store.readModels)].filter((f) => f !== null);
      return floors.length === 0 ? null : floors.reduce((a, b) => (a < b ? a : b));
    },
    logger,
  });
  retention.start();
  rt.maintenance?.start();
  const app = buildApp({
    store: rt.store,
    db: rt.db,
    projections: rt.projections,
    config: appConfigOf(config),
    access,
    channels: { secret: rt.channelSecret, providers: config.channels.providers, portalSessionTtlMs: config.channels.portalSessionTtlMs },
    collector: { handoffKey: rt.handoffKey },
    chatwoot: config.chatwoot,
    logger,
    isReady: () => ready,
  });
  // A backlog of 4,096 (Node's default is 511, clamped by net.core.somaxconn): a burst of new connections past the
  // default has its SYNs dropped and waits a second or more for the retry, which no 503 can shorten (600 clients
  // connecting at once, bench/overload-bench.ts).
  const server = app.listen(config.port, config.host, 4096);
  // A client that trickles its headers or body cannot hold a connection (and a stopping process) for ever.
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = config.http.requestTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  logger.info({ port: typeof address === 'object' && address ? address.port : config.port, store: rt.store.kind }, 'threadline listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ready = false;
    logger.info({ signal, grace_ms: config.shutdownGraceMs }, 'draining in-flight requests');
    // close() stops accepting and resolves when in-flight requests are answered; idle keep-alives are closed. A
    // client that keeps its connection busy past the grace has it closed under it.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = setTimeout(() => {
      logger.warn({ grace_ms: config.shutdownGraceMs }, 'grace over: closing the connections still open');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    await closed;
    clearTimeout(deadline);
    await portalSessions.stop();
    await idleExpiry.stop();
    await natsWorker?.stop();
    await webhooks.stop();
    await retention.stop();
    await nats?.close();
    await access.close();
    await rt.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return server;
};
