// The query API for dashboards: one journey with its analytics, journey lists, a journey's audit trail.
import { streamAudit } from '../../application/audit-export.ts';
import { journeyAnalytics } from '../../domain/journeys/journey-analytics.ts';
import { journeyStreamName } from '../../domain/journeys/journey-events.ts';
import { JOURNEY_KINDS } from '../../domain/journeys/journey-kinds.ts';
import { textViolations } from '../../domain/shared/payload-limits.ts';
import { getJourneyRows, journeyOutcomeAnalytics, listJourneys, summaryJson } from '../../projections/journeys/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { dealerRestriction } from '../../domain/access/index.ts';
import { seesGuid } from '../http/dealer-scope.ts';
import { ProblemError } from '../http/problems.ts';
import { route } from '../http/route.ts';
import { auditQuery, guidParams, journeyAnswer, journeyList, journeyQuery, listJourneysQuery } from './journey-schemas.ts';

/** Cursors are opaque to clients: base64url JSON of the keyset position, checked when it comes back. */
const encodeCursor = (c: Record<string, string>) => Buffer.from(JSON.stringify(c)).toString('base64url');

const badCursor = (param: string) =>
  new ProblemError('validation_failed', `${param}: not a cursor this API issued`, { violations: [{ path: param, message: 'not a cursor this API issued' }] });

/** A cursor's time is an event time: from 1970 to the year 9999 (a forged "+275760-09-13" or 4714 BC is not). */
const validTime = (s: unknown): s is string => {
  if (typeof s !== 'string') return false;
  const t = Date.parse(s);
  return !Number.isNaN(t) && t >= 0 && new Date(t).getUTCFullYear() <= 9999;
};

/** The keyset position a cursor holds: a time and an id, or a 400 naming the parameter. */
const decodeCursor = (s: string, param: string, timeKey: string, idKey: string): Record<string, string> => {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>;
    const id = c[idKey];
    if (validTime(c[timeKey]) && typeof id === 'string' && id.length <= 200 && textViolations(id).length === 0) return { [timeKey]: c[timeKey], [idKey]: id };
  } catch {
    // fall through
  }
  throw badCursor(param);
};

export const getJourney = route({
  method: 'get',
  path: '/api/v2/tracking/journey/{guid}',
  summary: 'A journey: a page of its events, its summary, transitions and analytics, in one snapshot',
  description:
    'Reflects every acknowledged event of the journey (read-your-writes: it waits for the projections, then answers 503 with Retry-After). ' +
    'The summary, transitions and analytics describe the whole journey; events are paged (events_page.next_cursor). `degraded` says an event of it is quarantined.',
  tags: ['queries'],
  params: guidParams,
  paramsProblem: 'unknown_guid',
  query: journeyQuery,
  responses: { 200: { description: 'The journey', schema: journeyAnswer } },
  problems: ['unknown_guid', 'validation_failed', 'projection_lagging'],
  scope: 'journeys:read',
  handle: async ({ params, query, deps, now, principal, touched }) => {
    const { guid } = params;
    touched(guid);
    if (!seesGuid(principal, guid)) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    // Read-your-writes: every event acknowledged for this journey is in the read models before we answer.
    if (!(await deps.projections.waitForStream(journeyStreamName(guid), deps.config.readYourWritesTimeoutMs))) {
      throw new ProblemError('projection_lagging', 'The read models are behind the log; retry shortly', {}, { 'Retry-After': '1' });
    }
    const after = query.events_cursor ? decodeCursor(query.events_cursor, 'events_cursor', 'occurred_at', 'event_id') : undefined;
    const rows = await getJourneyRows(narrow(deps.db), guid, { limit: query.events_limit, order: query.events_order, after: after && { occurred_at: after['occurred_at']!, event_id: after['event_id']! } });
    if (!rows) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    const definition = JOURNEY_KINDS[rows.summary.kind as keyof typeof JOURNEY_KINDS];
    return {
      status: 200,
      body: {
        guid,
        events: rows.events.map((e) => ({
          event_id: e.event_id,
          event_type: e.event_type,
          channel: e.channel,
          occurred_at: e.occurred_at.toISOString(),
          received_at: e.received_at.toISOString(),
          actor: e.actor_type ? { type: e.actor_type, ...(e.actor_id ? { id: e.actor_id } : {}) } : null,
          dealer_code: e.dealer_code,
          session_id: e.session_id,
          user_id: e.user_id,
          details: e.details,
          is_touch: e.is_touch,
          direction: e.direction,
          global_position: Number(e.global_position),
        })),
        events_page: { limit: query.events_limit, order: query.events_order, total: rows.summary.total_events, next_cursor: rows.next ? encodeCursor(rows.next) : null },
        summary: summaryJson(rows.summary),
        transitions: rows.transitions.map((t) => ({
          from: t.from_state,
          to: t.to_state,
          entered_at: t.entered_at.toISOString(),
          left_at: t.left_at ? t.left_at.toISOString() : null,
          duration_seconds: t.duration_ms === null ? null : Number(t.duration_ms) / 1000,
          trigger: t.trigger,
          cause_event_id: t.cause_event_id,
          reason: t.reason,
          metadata: t.metadata,
        })),
        analytics: {
          ...journeyAnalytics(rows.summary.created_at, rows.activity, rows.transitions, definition.terminal, now()),
          ...(await journeyOutcomeAnalytics(narrow(deps.db), rows, definition, deps.config.predictionModelMaxAgeMs)),
        },
        // An event the read models could not apply leaves this journey's rows incomplete until a rebuild applies it.
        degraded: rows.quarantined.length > 0,
        ...(rows.quarantined.length > 0 ? { quarantined_events: rows.quarantined.map(({ stream_position, event_type, error }) => ({ stream_position, event_type, error })) } : {}),
      },
    };
  },
});

export const listJourneysRoute = route({
  method: 'get',
  path: '/api/v2/tracking/journeys',
  summary: 'Journey summaries, newest first (by their start), cursor-paginated',
  tags: ['queries'],
  query: listJourneysQuery,
  responses: { 200: { description: '{journeys, next_cursor}', schema: journeyList } },
  problems: ['validation_failed'],
  scope: 'journeys:read',
  handle: async ({ query, deps, principal }) => {
    const { cursor, ...filter } = query;
    const after = cursor ? decodeCursor(cursor, 'cursor', 'created_at', 'guid') : undefined;
    const page = await listJourneys(narrow(deps.db), { ...filter, dealers: dealerRestriction(principal), after: after && { created_at: after['created_at']!, guid: after['guid']! } });
    return { status: 200, body: { journeys: page.journeys, next_cursor: page.next ? encodeCursor(page.next) : null } };
  },
});

export const journeyAudit = route({
  method: 'get',
  path: '/api/v2/tracking/journey/{guid}/audit',
  summary: "A journey's raw events in the stream's order, with their log positions (NDJSON)",
  tags: ['audit'],
  params: guidParams,
  paramsProblem: 'unknown_guid',
  query: auditQuery,
  responses: { 200: { description: 'One event per line', contentType: 'application/x-ndjson' } },
  problems: ['unknown_guid', 'validation_failed'],
  scope: 'audit:read',
  limit: 'export',
  handle: async ({ params, query, deps, res, principal, touched }) => {
    const stream = journeyStreamName(params.guid);
    touched(params.guid);
    if (!seesGuid(principal, params.guid) || !(await deps.store.eventStore.streamExists(stream))) throw new ProblemError('unknown_guid', `No journey with GUID ${params.guid}`);
    res.status(200).type('application/x-ndjson');
    await streamAudit(
      deps.store.log,
      { streamId: stream, recordedFrom: query.from ? new Date(query.from) : undefined, recordedTo: query.to ? new Date(query.to) : undefined },
      (line) => (res.write(line) ? undefined : new Promise((r) => res.once('drain', r))),
    );
    res.end();
  },
});
