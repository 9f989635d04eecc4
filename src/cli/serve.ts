// `threadline serve`: open the store, migrate, start the projections, listen; drain and stop cleanly on SIGTERM.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { buildApp } from '../api/app.ts';
import type { Config } from '../config.ts';
import { openPoolConnections, openRuntime } from '../runtime.ts';

export const serve = async (config: Config, logger: Logger): Promise<Server> => {
  const rt = await openRuntime(config.store, 'threadline serve', { logger });
  await openPoolConnections(rt.store.pool);
  let ready = true;
  rt.runner.start();
  rt.maintenance?.start();
  const app = buildApp({
    store: rt.store,
    db: rt.db,
    projections: rt.runner,
    config: { guidPrefix: config.guidPrefix, publicUrl: config.publicUrl, bodyLimit: config.bodyLimit, maxFutureSkewMs: config.maxFutureSkewMs },
    logger,
    isReady: () => ready,
  });
  const server = app.listen(config.port, config.host);
  // A client that trickles its headers or body cannot hold a connection (and a stopping process) for ever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
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
    await rt.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return server;
};
