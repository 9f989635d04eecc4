// buildApp(deps): the Express app (not listening). Routes, JSON limits, problem+json errors, request logs.
import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { stringifyJson } from '../eventstore/lossless-json.ts';
import { countQuarantine } from '../projections/quarantine.ts';
import type { AppDeps } from './deps.ts';
import { textViolations } from '../domain/payload-limits.ts';
import { invalid, jsonBody } from './json-body.ts';
import { openApiDocument } from './openapi.ts';
import { ProblemError, sendProblem } from './problems.ts';
import { analyticsRoutes, MOUNT_PATH as ANALYTICS_PATH } from './routes/analytics.ts';
import { attributionRoutes } from './routes/attribution.ts';
import { commandRoutes } from './routes/commands.ts';
import { adminRoutes, MOUNT_PATH as ADMIN_PATH } from './routes/admin.ts';
import { queryRoutes } from './routes/queries.ts';

/**
 * Pool exhaustion, a lost database, or a journey so contended (writers in several processes) that a command ran
 * out of attempts: failures the client should retry, not bugs.
 */
const isStoreUnavailable = (error: unknown): boolean => {
  if (isExpectedVersionConflictError(error)) return true;
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: string }).code;
    if (/timeout exceeded when trying to connect|Connection terminated/i.test(e.message)) return true;
    if (code === 'ECONNREFUSED' || code === '57P01' || code === '57P03' || code === '53300') return true;
  }
  return false;
};

export const buildApp = (deps: AppDeps): express.Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const requestLog: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      deps.logger.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
  app.use(requestLog);
  // Event payloads may hold integers beyond 2^53 (BigInt in memory): every JSON answer writes them exactly.
  app.use((_req, res, next) => {
    res.json = (body: unknown) => {
      if (!res.get('Content-Type')) res.type('application/json');
      return res.send(stringifyJson(body));
    };
    next();
  });

  app.get('/healthz', async (_req, res) => {
    const ready = deps.isReady?.() ?? true;
    const { name, failing } = deps.projections.status();
    // The API stays up while a projection fails (commands still store); the body says what is degraded.
    const quarantined = ready ? await countQuarantine(deps.db).then((c) => c[name] ?? 0, () => null) : null;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ok' : 'starting',
      store: deps.store.kind,
      projections: { [name]: { state: failing ? 'failing' : 'running', ...(failing ? { failing } : {}), quarantined } },
    });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  // No query string value reaches a query with a NUL or a lone surrogate (PostgreSQL refuses them: 22021).
  app.use((req, _res, next) => {
    const bad = textViolations(req.query);
    next(bad.length > 0 ? invalid(bad) : undefined);
  });

  const api = express.Router();
  api.use(jsonBody(deps.config.bodyLimit));
  api.use(commandRoutes(deps));
  api.use(queryRoutes(deps));
  api.use(attributionRoutes(deps));
  app.use('/api/v2/tracking', api);
  app.use(ANALYTICS_PATH, analyticsRoutes(deps));
  app.use(ADMIN_PATH, adminRoutes(deps));

  app.use((req, res) => sendProblem(res, 'not_found', `No route for ${req.method} ${req.path}`));

  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    if (res.headersSent) {
      deps.logger.error({ err: error }, 'error after the response started');
      res.destroy();
      return;
    }
    if (error instanceof ProblemError) {
      res.set(error.headers);
      sendProblem(res, error.code, error.message, error.extra);
      return;
    }
    const e = error as { type?: string; status?: number; limit?: number };
    if (e.type === 'entity.parse.failed') {
      sendProblem(res, 'malformed_json', 'The body is not valid JSON', {
        violations: [{ path: '(body)', message: (error as Error).message }],
      });
      return;
    }
    if (e.type === 'entity.too.large') {
      sendProblem(res, 'payload_too_large', `The body is larger than ${deps.config.bodyLimit}`, { limit: e.limit });
      return;
    }
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      sendProblem(res, 'unsupported_media_type', (error as Error).message);
      return;
    }
    // Whatever else the HTTP layer refused as the client's fault (a body that does not inflate, a path with a
    // malformed % escape) is a 400, not an internal error.
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      sendProblem(res, 'bad_request', (error as Error).message || 'The request cannot be read');
      return;
    }
    if (isStoreUnavailable(error)) {
      deps.logger.warn({ err: error }, 'event store unavailable');
      res.set('Retry-After', '1');
      sendProblem(res, 'store_unavailable', 'The event store is busy or unreachable; retry shortly (a retry with the same event_id or Idempotency-Key is safe)');
      return;
    }
    deps.logger.error({ err: error }, 'unhandled error');
    sendProblem(res, 'internal_error', 'Something went wrong; the request may be retried');
  };
  app.use(onError);
  return app;
};
