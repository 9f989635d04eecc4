// Query API for dashboards: one journey with its analytics, journey lists, a journey's audit trail.
import { Router } from 'express';
import { isGuid } from '../../domain/guid.ts';
import { journeyAnalytics } from '../../domain/journey-analytics.ts';
import { journeyStreamName } from '../../domain/journey-events.ts';
import { JOURNEY_KINDS } from '../../domain/journey-kinds.ts';
import { journeyOutcomeAnalytics } from '../../projections/journey-outcome-analytics.ts';
import { getJourneyRows, listJourneys, summaryJson } from '../../projections/journey-queries.ts';
import { streamAudit } from '../audit-stream.ts';
import type { AppDeps } from '../deps.ts';
import { ProblemError } from '../problems.ts';
import { textViolations } from '../../domain/payload-limits.ts';
import { toViolations } from '../../domain/violation.ts';
import { auditQuery, journeyQuery, listJourneysQuery } from '../schemas.ts';

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

const queryError = (error: Parameters<typeof toViolations>[0]) => {
  const violations = toViolations(error);
  return new ProblemError('validation_failed', violations.map((v) => `${v.path}: ${v.message}`).join('; '), { violations });
};

export const queryRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const now = deps.clock ?? (() => new Date());
  const timeout = deps.config.readYourWritesTimeoutMs ?? 5000;

  const requireGuid = (guid: string) => {
    if (!isGuid(guid)) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
  };

  router.get('/journey/:guid', async (req, res) => {
    const guid = String(req.params['guid']);
    requireGuid(guid);
    // Read-your-writes: every event acknowledged for this journey is in the read models before we answer.
    if (!(await deps.projections.waitForStream(journeyStreamName(guid), timeout))) {
      res.set('Retry-After', '1');
      throw new ProblemError('projection_lagging', 'The read models are behind the log; retry shortly');
    }
    const q = journeyQuery.safeParse(req.query);
    if (!q.success) throw queryError(q.error);
    const after = q.data.events_cursor ? decodeCursor(q.data.events_cursor, 'events_cursor', 'occurred_at', 'event_id') : undefined;
    const rows = await getJourneyRows(deps.db, guid, { limit: q.data.events_limit, order: q.data.events_order, after: after && { occurred_at: after['occurred_at']!, event_id: after['event_id']! } });
    if (!rows) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    const definition = JOURNEY_KINDS[rows.summary.kind as keyof typeof JOURNEY_KINDS];
    const events = rows.events.map((e) => ({
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
    }));
    const transitions = rows.transitions.map((t) => ({
      from: t.from_state,
      to: t.to_state,
      entered_at: t.entered_at.toISOString(),
      left_at: t.left_at ? t.left_at.toISOString() : null,
      duration_seconds: t.duration_ms === null ? null : Number(t.duration_ms) / 1000,
      trigger: t.trigger,
      cause_event_id: t.cause_event_id,
      reason: t.reason,
      metadata: t.metadata,
    }));
    res.json({
      guid,
      events,
      events_page: {
        limit: q.data.events_limit,
        order: q.data.events_order,
        total: rows.summary.total_events,
        next_cursor: rows.next ? encodeCursor(rows.next) : null,
      },
      summary: summaryJson(rows.summary),
      transitions,
      analytics: {
        ...journeyAnalytics(rows.summary.created_at, rows.activity, rows.transitions, definition.terminal, now()),
        ...(await journeyOutcomeAnalytics(deps.db, rows, definition, deps.config.predictionModelMaxAgeMs)),
      },
      // An event the read models could not apply leaves this journey's rows incomplete until a rebuild applies it.
      degraded: rows.quarantined.length > 0,
      ...(rows.quarantined.length > 0 ? { quarantined_events: rows.quarantined.map(({ stream_position, event_type, error }) => ({ stream_position, event_type, error })) } : {}),
    });
  });

  router.get('/journeys', async (req, res) => {
    const parsed = listJourneysQuery.safeParse(req.query);
    if (!parsed.success) throw queryError(parsed.error);
    const { cursor, ...filter } = parsed.data;
    const after = cursor ? decodeCursor(cursor, 'cursor', 'created_at', 'guid') : undefined;
    const page = await listJourneys(deps.db, { ...filter, after: after && { created_at: after['created_at']!, guid: after['guid']! } });
    res.json({ journeys: page.journeys, next_cursor: page.next ? encodeCursor(page.next) : null });
  });

  router.get('/journey/:guid/audit', async (req, res) => {
    const guid = String(req.params['guid']);
    requireGuid(guid);
    const parsed = auditQuery.safeParse(req.query);
    if (!parsed.success) throw queryError(parsed.error);
    const stream = journeyStreamName(guid);
    if (!(await deps.store.eventStore.streamExists(stream))) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    res.status(200).type('application/x-ndjson');
    await streamAudit(
      deps.store.log,
      {
        streamId: stream,
        recordedFrom: parsed.data.from ? new Date(parsed.data.from) : undefined,
        recordedTo: parsed.data.to ? new Date(parsed.data.to) : undefined,
      },
      (line) => (res.write(line) ? undefined : new Promise((r) => res.once('drain', r))),
    );
    res.end();
  });

  return router;
};
