// CORS only where a browser must call: the origins configured (the collector's pages, the dashboard); none by default.
import type { RequestHandler } from 'express';

const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-Request-Id';
const EXPOSED_HEADERS = 'RateLimit, RateLimit-Policy, Retry-After';

/**
 * `origins` may call every route; `byPath` adds origins for one path only (the web views' pages may send to the
 * collect endpoint and nothing else). An origin in neither gets no CORS header, so its page cannot read an answer.
 */
export const cors = (origins: readonly string[], byPath: Readonly<Record<string, readonly string[]>> = {}): RequestHandler => {
  const allowed = new Set(origins);
  const extra = new Map(Object.entries(byPath).map(([path, list]) => [path, new Set(list)]));
  return (req, res, next) => {
    const origin = req.get('origin');
    if (!origin || !(allowed.has(origin) || extra.get(req.path)?.has(origin))) return next();
    res.vary('Origin');
    res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': EXPOSED_HEADERS });
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.set({ 'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' });
      res.status(204).end();
      return;
    }
    next();
  };
};
