// The web-view collector: the script, the hand-off token, and the collect endpoint.
import {
  COLLECT_LIMITS,
  collectBody,
  collectedEvents,
  HANDOFF_TTL_SECONDS,
  handoffBody,
  handoffUrl,
} from '../../domain/conversations/index.ts';
import { decodeJourneyEvent, journeyStreamName, type JourneyCreatedData } from '../../domain/journeys/index.ts';
import { seesGuid } from '../http/dealer-scope.ts';
import type { AppDeps } from '../http/deps.ts';
import { admitEventsOrShed } from '../http/load-shedding.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { bodyOf, route, type AnyRoute } from '../http/route.ts';
import { collectorScript } from './collector-script.ts';
import { collectAnswer, handoffAnswer, handoffParams } from './collector-schemas.ts';
import { signHandoffToken, verifyHandoffToken } from './handoff-token.ts';

const COLLECT_PATH = '/api/v2/collect';

/** The web views' pages: they may send to the collector (CORS) and receive hand-off URLs. */
const collectOrigins = (config: AppDeps['config']) => config.collectOrigins;

const unknownGuid = (guid: string) => new ProblemError('unknown_guid', `No journey with GUID ${guid}`);

/** The journey's first event, which opened it (its categories are the conversation's at its origin). */
const journeyCreated = async (deps: AppDeps, guid: string): Promise<JourneyCreatedData | null> => {
  const { events } = await deps.store.eventStore.readStream(journeyStreamName(guid), { maxCount: 1n });
  const first = events[0];
  if (!first) return null;
  const decoded = decodeJourneyEvent(first.type, first.data);
  return decoded.ok && decoded.event.type === 'JourneyCreated' ? decoded.event.data : null;
};

export const handoffRoute = route({
  method: 'post',
  path: '/api/v2/tracking/journey/{guid}/handoff',
  summary: 'Hand a conversation off to a web view: a signed, expiring token that lets the page append web-view events to this journey only',
  description:
    `The token (a JWT) carries the GUID, the web view's id, the conversation's categories and the intent, and the scope \`webview:append\`; it expires after \`ttl_seconds\` (default ${HANDOFF_TTL_SECONDS.default}, at most ${HANDOFF_TTL_SECONDS.max}). ` +
    'With `url` (on an origin of THREADLINE_COLLECT_ORIGINS), the answer\u2019s `url` is the address to open, the token in its fragment (`#tl_token=...`), which browsers never send to a server. See docs/conversations.md.',
  tags: ['conversations'],
  params: handoffParams,
  paramsProblem: 'unknown_guid',
  body: bodyOf(handoffBody),
  responses: { 201: { description: 'A token for the web view', schema: handoffAnswer } },
  problems: ['unknown_guid'],
  scope: 'journeys:write',
  handle: async ({ params, body, deps, now, principal, touched }) => {
    const { guid } = params;
    touched(guid);
    if (!seesGuid(principal, guid)) throw unknownGuid(guid);
    const created = await journeyCreated(deps, guid);
    if (!created) throw unknownGuid(guid);
    const grant = { guid, webview_id: body.webview_id, categories: created.categories ?? {}, ...(body.context?.intent ? { intent: body.context.intent } : {}) };
    const { token, claims } = await signHandoffToken(deps.collector.handoffKey, grant, now(), body.ttl_seconds ?? HANDOFF_TTL_SECONDS.default);
    let url: string | null = null;
    if (body.url) {
      const opened = handoffUrl(body.url, token, collectOrigins(deps.config));
      if (!opened.ok) throw invalid(opened.violations);
      url = opened.value;
    }
    return { status: 201, body: { token, url, expires_at: new Date(claims.exp * 1000).toISOString(), guid, webview_id: body.webview_id } };
  },
});

export const collectRoute = route({
  method: 'post',
  path: COLLECT_PATH,
  summary: 'Web-view events from the collector (collector.js), authorised by a hand-off token alone',
  description:
    `Up to ${COLLECT_LIMITS.maxEvents} events (${COLLECT_LIMITS.maxBodyBytes / 1024} KB, props ${COLLECT_LIMITS.maxPropsBytes} bytes each) as application/json or text/plain (what navigator.sendBeacon sends). ` +
    'Each event is stored on the token\u2019s journey once: the same collector event id again answers `duplicate`. An expired, tampered or wrongly scoped token is a 401 and nothing of the request is stored; ' +
    'a browser origin outside THREADLINE_COLLECT_ORIGINS gets no CORS headers and a 403.',
  tags: ['conversations'],
  body: { ...bodyOf(collectBody), mediaType: 'json-or-text', limitBytes: COLLECT_LIMITS.maxBodyBytes },
  responses: { 200: { description: 'Every event stored, or stored already', schema: collectAnswer } },
  problems: ['handoff_token_expired', 'handoff_token_invalid', 'forbidden', 'unknown_guid', 'overloaded'],
  scope: 'public',
  origins: collectOrigins,
  handle: async ({ body, req, res, deps, now, http }) => {
    // A page of another site holding a leaked token is refused too, not only denied the answer.
    const origin = req.get('origin');
    if (origin !== undefined && !collectOrigins(deps.config).includes(origin) && !deps.access.corsOrigins.includes(origin)) {
      throw new ProblemError('forbidden', `Pages of ${origin} may not send to the collector (THREADLINE_COLLECT_ORIGINS)`);
    }
    admitEventsOrShed(http, res, body.events.length);
    const at = now();
    const verdict = await verifyHandoffToken(deps.collector.handoffKey, body.token, at);
    if (!verdict.ok) throw new ProblemError(verdict.code, verdict.message, { reason: verdict.reason });
    const events = collectedEvents(body, verdict.claims, { now: at, maxFutureSkewMs: deps.config.maxFutureSkewMs });
    if (!events.ok) throw invalid(events.violations);
    const { guid } = verdict.claims;
    const answers = (await http.commit.submit([[guid, events.value]]))[0]!;
    if (answers.some((a) => a.status === 404)) throw unknownGuid(guid);
    if (answers.some((a) => a.status === 503)) throw new ProblemError('store_unavailable', 'Not stored: the event store failed; retry (the same events are stored once)', {}, { 'Retry-After': '1' });
    const results = body.events.map((e, i) => ({ id: e.id, event_id: events.value[i]!.event_id, status: answers[i]!.status === 201 ? ('stored' as const) : ('duplicate' as const) }));
    const stored = results.filter((r) => r.status === 'stored').length;
    return { status: 200, body: { guid, stored, duplicates: results.length - stored, results } };
  },
});

export const collectorScriptRoute = route({
  method: 'get',
  path: '/collector.js',
  summary: 'The web-view collector script (no dependencies, under 5 KB gzipped)',
  description: 'Load it in the web view with `<script src="https://<threadline>/collector.js">` and call `Threadline.init()`; see docs/conversations.md.',
  tags: ['conversations'],
  responses: { 200: { description: 'The script', contentType: 'text/javascript; charset=utf-8' } },
  problems: [],
  scope: 'public',
  // A static file: it must load when the budgets' store is away.
  limit: 'unmetered',
  handle: async ({ req }) => {
    const script = collectorScript();
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    return {
      status: 200,
      body: gzip ? script.gzip : script.plain,
      headers: {
        // Unversioned, so not immutable: a new release reaches pages within the hour.
        'Cache-Control': 'public, max-age=3600',
        // Loaded by pages of other origins (helmet's default is same-origin).
        'Cross-Origin-Resource-Policy': 'cross-origin',
        Vary: 'Accept-Encoding',
        ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      },
    };
  },
});

export const collectorRoutes: readonly AnyRoute[] = [collectorScriptRoute, handoffRoute, collectRoute];
