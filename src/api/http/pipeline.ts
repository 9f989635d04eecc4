// The one request pipeline: every declared route is mounted the same way (path parameters, query, body parsed by
// its schemas into typed values or a 400 listing every violation; the answer written as exact JSON), and every
// failure is rendered from the error catalogue by code, never by reading a driver's message.
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { ERRORS, isErrorCode } from '../../domain/shared/errors.ts';
import { toViolations } from '../../domain/shared/violation.ts';
import { stringifyJson } from '../../eventstore/index.ts';
import { resultOf, roleAllows, type Principal } from '../../domain/access/index.ts';
import type { AppDeps, RateDecision } from './deps.ts';
import { formBody, jsonBody } from './json-body.ts';
import { overloaded } from './load-shedding.ts';
import { invalid, ProblemError, sendProblem } from './problems.ts';
import type { AnyRoute, HttpRuntime } from './route.ts';

/** `/journey/{guid}` → `/journey/:guid` */
export const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

const MEDIA_TYPES = {
  json: ['application/json', 'application/*+json'],
  form: ['application/x-www-form-urlencoded'],
  'json-or-text': ['application/json', 'application/*+json', 'text/plain'],
} as const;
const isMediaType = (req: express.Request, mediaType: keyof typeof MEDIA_TYPES) => Boolean(req.is([...MEDIA_TYPES[mediaType]]));

/** What the gate learnt about a request, for the handler and the audit record. */
interface RequestAccess {
  principal: Principal | null;
  objects: string[];
}

const accessOf = (res: express.Response): RequestAccess => res.locals['access'] as RequestAccess;

const rateHeaders = (d: RateDecision): Record<string, string> => ({
  'RateLimit-Policy': `"${d.policy.name}";q=${d.policy.quota};w=${d.policy.windowSeconds}`,
  RateLimit: `"${d.policy.name}";r=${d.remaining};t=${d.resetSeconds}`,
});

const overBudget = (d: RateDecision) =>
  new ProblemError('rate_limited', `Over the ${d.policy.name} budget of ${d.policy.quota} requests per ${d.policy.windowSeconds} s; retry in ${d.resetSeconds} s`, {}, { ...rateHeaders(d), 'Retry-After': String(Math.max(1, d.resetSeconds)) });

/**
 * Before any body is read: who is calling (401 without valid credentials), whether the role has the route's scope
 * (403), and the caller's budget for the route's class (429). Every non-public request gets an audit record when
 * its answer is sent, whatever the answer.
 */
const gateOf = (r: AnyRoute, deps: AppDeps, http: HttpRuntime): RequestHandler => {
  const now = deps.clock ?? (() => new Date());
  const action = `${r.method.toUpperCase()} ${r.path}`;
  return async (req, res, next) => {
    const access: RequestAccess = { principal: null, objects: [] };
    res.locals['access'] = access;
    const started = process.hrtime.bigint();
    res.once('close', () => {
      http.metrics.requests.inc({ method: r.method, route: r.path, status: String(res.statusCode) });
      http.metrics.duration.observe({ method: r.method, route: r.path }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    if (r.scope !== 'public') {
      // Backpressure first, before any work: past the budget the answer is immediate.
      const release = http.inFlight.admitRequest();
      if (!release) {
        http.metrics.shed.inc({ reason: 'in_flight_requests' });
        throw overloaded();
      }
      res.once('close', release);
      let audited = false;
      const audit = (reason: string | null) => {
        if (audited) return;
        audited = true;
        const p = access.principal;
        deps.access.audit.record({
          at: now().toISOString(),
          source: 'http',
          action,
          request_id: (req.get('x-request-id') ?? '').slice(0, 200) || null,
          actor: p ? { id: p.id, label: p.label, role: p.role, via: p.via } : null,
          ip: req.ip ?? null,
          objects: access.objects,
          result: resultOf(res.statusCode),
          status: res.statusCode,
          reason,
        });
      };
      // 'close' also fires for an answer that was cut off (a client gone mid-stream), which 'finish' misses.
      res.once('close', () => audit((res.locals['problem'] as string | undefined) ?? (res.writableFinished ? null : 'answer cut off')));
      // A stream, once set up, gives its slot back and is audited then: it may stay open for hours.
      if (r.longLived) {
        res.locals['streaming'] = () => {
          release();
          audit(null);
        };
      }
      const auth = await deps.access.authenticator.authenticate(req.get('authorization'));
      if (!auth.ok) {
        // Failed attempts draw on the client address's budget, so that guessing credentials is throttled too.
        const attempt = await deps.access.rateLimiter.consume(`ip:${req.ip ?? 'unknown'}`, 'default');
        if (!attempt.allowed) {
          http.metrics.shed.inc({ reason: 'rate_limited' });
          throw overBudget(attempt);
        }
        throw new ProblemError('unauthorized', auth.reason, {}, { 'WWW-Authenticate': 'Bearer realm="threadline", Basic realm="threadline"' });
      }
      access.principal = auth.principal;
      if (!roleAllows(auth.principal.role, r.scope)) throw new ProblemError('forbidden', `The ${auth.principal.role} role does not have the ${r.scope} scope this route needs`);
    }
    if (r.limit === 'unmetered') return next();
    const subject = access.principal ? `${access.principal.via}:${access.principal.id}` : `ip:${req.ip ?? 'unknown'}`;
    const decision = await deps.access.rateLimiter.consume(subject, r.limit ?? 'default');
    res.set(rateHeaders(decision));
    if (!decision.allowed) {
      http.metrics.shed.inc({ reason: 'rate_limited' });
      throw overBudget(decision);
    }
    next();
  };
};

const handlerOf = (r: AnyRoute, deps: AppDeps, all: readonly AnyRoute[], http: HttpRuntime): RequestHandler => {
  const now = deps.clock ?? (() => new Date());
  return async (req, res) => {
    const access = accessOf(res);
    let params: unknown = req.params;
    if (r.params) {
      const p = r.params.safeParse(req.params);
      if (!p.success) {
        const code = r.paramsProblem ?? 'validation_failed';
        throw code === 'validation_failed' ? invalid(toViolations(p.error)) : new ProblemError(code, `${req.path}: ${p.error.issues.map((i) => i.message).join('; ')}`);
      }
      params = p.data;
    }
    let query: unknown = req.query;
    if (r.query) {
      const q = r.query.safeParse(req.query);
      if (!q.success) throw invalid(toViolations(q.error));
      query = q.data;
    }
    if (r.headers) {
      const h = r.headers.safeParse(Object.fromEntries(Object.keys(r.headers.shape).map((name) => [name, req.get(name)])));
      if (!h.success) throw invalid(toViolations(h.error));
    }
    let body: unknown;
    if (r.body) {
      const mediaType = r.body.mediaType ?? 'json';
      if (!isMediaType(req, mediaType)) throw new ProblemError('unsupported_media_type', `Send the body as ${MEDIA_TYPES[mediaType][0]}`);
      const at = now();
      const parsed = r.body.parse ? r.body.parse(req.body, { now: at, deps }) : (() => {
        const b = r.body!.schema.safeParse(req.body);
        return b.success ? { ok: true as const, value: b.data } : { ok: false as const, violations: toViolations(b.error) };
      })();
      if (!parsed.ok) throw invalid(parsed.violations);
      body = parsed.value;
    }
    const answer = await r.handle({ params, query, body, req, res, deps, now, routes: all, principal: access.principal, touched: (...o) => access.objects.push(...o), http });
    if (!answer) {
      if (r.longLived) (res.locals['streaming'] as (() => void) | undefined)?.();
      return;
    }
    const status = answer.status ?? 200;
    const declared = r.responses[status];
    if (!declared) throw new Error(`${r.method.toUpperCase()} ${r.path} answered ${status}, which it does not declare`);
    // In tests every answer is held to its declared schema, so that the document cannot drift from the routes.
    if (deps.config.validateResponses && declared.schema) {
      const checked = declared.schema.safeParse(answer.body);
      if (!checked.success) throw new Error(`${r.method.toUpperCase()} ${r.path} ${status}: the answer does not match its schema: ${checked.error.message}`);
    }
    if (answer.headers) res.set(answer.headers);
    res.status(status);
    if (answer.body === undefined) res.end();
    else if (typeof answer.body === 'string' || Buffer.isBuffer(answer.body)) res.type(declared.contentType ?? 'text/plain').send(answer.body);
    else res.type(declared.contentType ?? 'application/json').send(stringifyJson(answer.body));
  };
};

/** Mounts the routes on an app or router, each once, in the order given: the gate, the body (if any), the handler. */
export const mountRoutes = <R extends Pick<Router, AnyRoute['method']>>(router: R, list: readonly AnyRoute[], deps: AppDeps, http: HttpRuntime): R => {
  const bodyOf = (mediaType: keyof typeof MEDIA_TYPES, limit: number) => (mediaType === 'form' ? formBody(limit) : jsonBody(limit, MEDIA_TYPES[mediaType]));
  const bodies = { json: bodyOf('json', deps.config.bodyLimitBytes), form: bodyOf('form', deps.config.bodyLimitBytes), 'json-or-text': bodyOf('json-or-text', deps.config.bodyLimitBytes) };
  const parsers = (b: NonNullable<AnyRoute['body']>) => (b.limitBytes === undefined ? bodies[b.mediaType ?? 'json'] : bodyOf(b.mediaType ?? 'json', b.limitBytes));
  for (const r of list) router[r.method](expressPath(r.path), gateOf(r, deps, http), ...(r.body ? parsers(r.body) : []), handlerOf(r, deps, list, http));
  return router;
};

/** Renders every failure as a problem: the catalogue's code when it has one, a 4xx the HTTP layer refused, else 500. */
export const problemHandler =
  (deps: AppDeps): ErrorRequestHandler =>
  (error: unknown, _req, res, _next) => {
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
    const e = error as { type?: string; status?: number; limit?: number; code?: unknown };
    if (e.type === 'entity.too.large') {
      sendProblem(res, 'payload_too_large', `The body is larger than ${e.limit ?? deps.config.bodyLimitBytes} bytes`, { limit: e.limit });
      return;
    }
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      sendProblem(res, 'unsupported_media_type', (error as Error).message);
      return;
    }
    // A failure with a code of the catalogue (an adapter's, wrapped once: store_unavailable) answers as its code says.
    if (isErrorCode(e.code) && ERRORS[e.code].status !== 500) {
      if (e.code === 'auth_unavailable') {
        deps.logger.error({ err: error }, 'identity provider unavailable');
        res.set('Retry-After', '5');
        sendProblem(res, e.code, (error as Error).message);
      } else if (e.code === 'store_unavailable') {
        deps.logger.warn({ err: error }, 'event store unavailable');
        res.set('Retry-After', '1');
        sendProblem(res, e.code, 'The event store is busy or unreachable; retry shortly (a retry with the same event_id or Idempotency-Key is safe)');
      } else sendProblem(res, e.code, (error as Error).message);
      return;
    }
    // Whatever else the HTTP layer refused as the client's fault (a body that does not inflate, a path with a
    // malformed % escape) is a 400, not an internal error.
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      sendProblem(res, 'bad_request', (error as Error).message || 'The request cannot be read');
      return;
    }
    deps.logger.error({ err: error }, 'unhandled error');
    sendProblem(res, 'internal_error', 'Something went wrong; the request may be retried');
  };
