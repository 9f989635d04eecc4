// buildApp(deps): the Express app (not listening): request log, body parsing, every declared route, problem+json
// for every failure.
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { textViolations } from '../../domain/shared/payload-limits.ts';
import { createGroupCommit } from '../../application/journeys/index.ts';
import { projectionProgress } from '../../projections/runner/checkpoints.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { ROUTES } from '../registry.ts';
import { cors } from './cors.ts';
import type { AppDeps } from './deps.ts';
import { createInFlight } from './load-shedding.ts';
import { createMetrics } from './metrics.ts';
import { expressPath, mountRoutes, problemHandler } from './pipeline.ts';
import { invalid, sendProblem } from './problems.ts';
import type { AnyRoute } from './route.ts';

export const buildApp = (deps: AppDeps, routes: readonly AnyRoute[] = ROUTES): express.Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.config.trustProxy);
  // An API answers JSON: no page may frame it, sniff it or load anything from it.
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  // Origins a route lets in beside THREADLINE_CORS_ORIGINS (the web views' pages: the collector), for that route only.
  app.use(cors(deps.access.corsOrigins, Object.fromEntries(routes.flatMap((r) => (r.origins ? [[expressPath(r.path), r.origins(deps.config)]] : [])))));

  const requestLog: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      deps.logger.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
  app.use(requestLog);
  // No query string value reaches a query with a NUL or a lone surrogate (PostgreSQL refuses them: 22021).
  app.use((req, _res, next) => {
    const bad = textViolations(req.query);
    next(bad.length > 0 ? invalid(bad) : undefined);
  });
  const inFlight = createInFlight(deps.config.inFlight);
  const metrics = createMetrics({
    inFlight: () => inFlight.current(),
    projections: async () => {
      const status = deps.projections.status();
      const progress = await projectionProgress(narrow(deps.db), deps.store.log, status.map((s) => s.name));
      return progress.map((p) => ({ ...p, failing: status.find((s) => s.name === p.name)?.failing != null }));
    },
  });
  const commit = createGroupCommit(deps.store, deps.config.groupCommit, (events, requests, seconds) => {
    metrics.flushEvents.observe(events);
    metrics.flushRequests.observe(requests);
    metrics.flushSeconds.observe(seconds);
  });
  mountRoutes(app, routes, deps, { inFlight, metrics, commit });
  app.use((req, res) => sendProblem(res, 'not_found', `No route for ${req.method} ${req.path}`));
  app.use(problemHandler(deps));
  return app;
};
