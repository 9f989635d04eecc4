// GET /api/v2/stream: the live envelopes as server-sent events, each with its outbox cursor as the event id, so that a
// reconnect with Last-Event-ID resumes with no gap and no repeat. One shared outbox reader per app (envelope-fanout).
import type { AppDeps } from '../http/deps.ts';
import { ProblemError } from '../http/problems.ts';
import { route } from '../http/route.ts';
import { latestCursor, parseCursor } from '../../projections/live/index.ts';
import { createEnvelopeFanout, type EnvelopeFanout } from './envelope-fanout.ts';
import { createSseClient } from './sse-client.ts';
import { streamFilter, streamHeaders, streamQuery } from './stream-filter.ts';

export interface StreamRouteOptions {
  /** A `: ping` comment this often keeps proxies and load balancers from closing an idle stream. */
  heartbeatMs: number;
  /** How often the outbox is read for other processes' writes; this process's wake the reader at once. */
  pollMs: number;
  /** Streams one process serves at once; past it, 503 (they cost a socket and a filter check each). */
  maxClients: number;
  /** Messages kept for a client whose socket is full; past it, its stream is ended and it resumes. */
  maxPending: number;
  /** Outbox rows per read. */
  pageSize: number;
  /** The reconnection delay the stream asks EventSource for (`retry:`). */
  retryMs: number;
  /** How long an ended stream may take to flush before its socket is destroyed. */
  lingerMs: number;
}

export const STREAM_DEFAULTS: StreamRouteOptions = { heartbeatMs: 15_000, pollMs: 250, maxClients: 10_000, maxPending: 10_000, pageSize: 500, retryMs: 2000, lingerMs: 10_000 };

export const createStreamRoute = (overrides: Partial<StreamRouteOptions> = {}) => {
  const o = { ...STREAM_DEFAULTS, ...overrides };
  // One reader per app (apps differ by their deps), made on the first stream: building the app touches nothing.
  const fanouts = new WeakMap<AppDeps, EnvelopeFanout>();
  const fanoutOf = (deps: AppDeps): EnvelopeFanout => {
    let f = fanouts.get(deps);
    if (!f) {
      f = createEnvelopeFanout({ db: deps.store.readModels, onApplied: (l) => deps.projections.onApplied('live-outbox', l), logger: deps.logger, stopping: () => deps.isReady?.() === false }, o);
      fanouts.set(deps, f);
    }
    return f;
  };

  return route({
    method: 'get',
    path: '/api/v2/stream',
    summary: 'Live journey envelopes as server-sent events (resumable with Last-Event-ID)',
    description:
      'Each message has `id: <position>-<idx>` (its place in the outbox), `event: <envelope type>` and `data: <the envelope JSON>` on one line; ' +
      `\`retry: ${o.retryMs}\` opens the stream and a \`: ping\` comment comes every ${o.heartbeatMs / 1000} s. With Last-Event-ID (or \`last_event_id\`) ` +
      'every matching envelope after that id is sent, then the live ones, with no gap and no repeat; without it the stream starts now. ' +
      "A dealer-bound key receives only its dealers' envelopes; a `dealer_code` outside its scope is a 403. A client too slow to take what it is sent " +
      `(${o.maxPending} messages behind) has its stream ended and resumes with Last-Event-ID. See docs/webhooks.md.`,
    tags: ['live'],
    query: streamQuery,
    headers: streamHeaders,
    responses: { 200: { description: 'An endless text/event-stream of envelopes', contentType: 'text/event-stream' } },
    problems: ['validation_failed', 'forbidden', 'unknown_guid', 'overloaded'],
    scope: 'journeys:read',
    longLived: true,
    handle: async ({ query, req, res, deps, principal, touched }) => {
      const filter = streamFilter(query, principal);
      touched(...(query.guid !== undefined ? [query.guid] : []), ...(query.dealer_code ?? []).map((d) => `dealer:${d}`));
      const fanout = fanoutOf(deps);
      if (deps.isReady?.() === false) throw new ProblemError('overloaded', 'The server is shutting down; reconnect (to another instance)', {}, { 'Retry-After': '1' });
      if (fanout.size() >= o.maxClients) throw new ProblemError('overloaded', `This server already serves ${o.maxClients} streams; retry shortly`, {}, { 'Retry-After': '5' });
      // EventSource resends the URL it was opened with and the newest id in the header: the header is newer.
      const resume = [req.get('last-event-id'), query.last_event_id].find((s) => s !== undefined && s.trim() !== '');
      // Read before the status line, so that a store that is away still answers a problem.
      const from = resume !== undefined ? parseCursor(resume)! : await latestCursor(deps.store.readModels);
      req.socket.setNoDelay(true);
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
      res.write(`retry: ${o.retryMs}\n\n`);
      fanout.add(createSseClient(res, { filter, from, maxPending: o.maxPending, lingerMs: o.lingerMs }));
    },
  });
};

export const streamRoute = createStreamRoute();
