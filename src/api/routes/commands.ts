// Command API for channel systems: generate a GUID, log events (one or a batch), request a transition.
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { isGuid } from '../../domain/guid.ts';
import type { TrackingEvent } from '../../domain/tracking-event.ts';
import { executeJourneyCommand, executeJourneyCommands } from '../../eventstore/journey-commands.ts';
import { issueGuid, openConversation, type GuidOutcome } from '../../eventstore/guid-issuer.ts';
import type { AppDeps } from '../deps.ts';
import { invalid } from '../json-body.ts';
import { ProblemError, type Violation } from '../problems.ts';
import { batchBody, parseConversation, parseGenerateGuid, parseLogEvent, toTrackingEvent as trackingEventOf, transitionBody, type LogEventInput, type TimeBounds } from '../../domain/journey-requests.ts';
import { toViolations } from '../../domain/violation.ts';

export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60_000;

const bodyOf = (req: Request): unknown => {
  if (!req.is('application/json')) throw new ProblemError('unsupported_media_type', 'Send the body as application/json');
  return req.body;
};

type EventResult =
  | { status: 201; event_id: string }
  | { status: 200; event_id: string; duplicate: true }
  | { status: 400; violations: Violation[] }
  | { status: 404; guid: string }
  | { status: 503; guid: string };

export const commandRoutes = (deps: AppDeps): Router => {
  const router = Router();
  const now = deps.clock ?? (() => new Date());
  const bounds = (): TimeBounds => ({ now: now(), maxFutureSkewMs: deps.config.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS });

  const toTrackingEvent = (e: LogEventInput, receivedAt: string): TrackingEvent => trackingEventOf(e, receivedAt, randomUUID);

  /**
   * Logs each journey's events, all journeys in one atomic append where the store has one; answers per event. A
   * journey the store failed on (only where appends are per journey) answers 503 for its own events.
   */
  const logForJourneys = async (groups: [guid: string, events: TrackingEvent[]][]): Promise<EventResult[][]> => {
    const outcomes = await executeJourneyCommands(deps.store, groups.map(([guid, events]) => ({ guid, command: { type: 'LogEvents', data: { events } } })));
    return groups.map(([guid, events], g) => {
      const outcome = outcomes[g]!;
      if (!outcome.ok) {
        if (outcome.error.code === 'store_unavailable') deps.logger.warn({ err: (outcome.error as { cause: unknown }).cause, guid }, 'append failed');
        return events.map(() => (outcome.error.code === 'store_unavailable' ? { status: 503 as const, guid } : { status: 404 as const, guid }));
      }
      const stored = new Set(outcome.events.flatMap((e) => (e.type === 'TrackingEventLogged' ? [e.data.event_id] : [])));
      const answered = new Set<string>();
      return events.map((e) => {
        const fresh = stored.has(e.event_id) && !answered.has(e.event_id);
        answered.add(e.event_id);
        return fresh ? { status: 201, event_id: e.event_id } : { status: 200, event_id: e.event_id, duplicate: true };
      });
    });
  };

  const idempotencyKeyOf = (req: Request): string | null => {
    const key = req.get('Idempotency-Key');
    if (key !== undefined && (key.length < 1 || key.length > 255)) throw invalid([{ path: 'Idempotency-Key', message: '1 to 255 characters' }]);
    return key ?? null;
  };

  const answerIssued = (res: Response, outcome: GuidOutcome) => {
    if (!outcome.ok) {
      const { code, message } = outcome.error;
      throw new ProblemError(code, message, code === 'risk_event_conflict' ? { guid: outcome.error.guid } : {});
    }
    deps.projections.nudge();
    res.status(outcome.created ? 201 : 200).json({
      guid: outcome.guid,
      tracking_url: `${deps.config.publicUrl}/api/v2/tracking/journey/${outcome.guid}`,
    });
  };

  router.post('/generate-guid', async (req, res) => {
    const parsed = parseGenerateGuid(bodyOf(req), bounds());
    if (!parsed.ok) throw invalid(parsed.violations);
    const idempotencyKey = idempotencyKeyOf(req);
    const { vin, dealer_code, customer_id, risk_event } = parsed.value;
    answerIssued(
      res,
      await issueGuid(deps.store, { prefix: deps.config.guidPrefix, vin, dealer_code, customer_id: customer_id ?? null, risk_event, idempotencyKey, now: now() }),
    );
  });

  router.post('/conversations', async (req, res) => {
    const parsed = parseConversation(bodyOf(req), bounds());
    if (!parsed.ok) throw invalid(parsed.violations);
    const idempotencyKey = idempotencyKeyOf(req);
    const { channel, dealer_code, customer_id, started_at } = parsed.value;
    answerIssued(
      res,
      await openConversation(deps.store, {
        prefix: deps.config.guidPrefix,
        channel,
        dealer_code,
        customer_id: customer_id ?? null,
        started_at: started_at ?? null,
        idempotencyKey,
        now: now(),
      }),
    );
  });

  router.post('/log-event', async (req, res) => {
    const b = bounds();
    const parsed = parseLogEvent(bodyOf(req), b);
    if (!parsed.ok) throw invalid(parsed.violations);
    const event = toTrackingEvent(parsed.value, b.now.toISOString());
    const result = (await logForJourneys([[event.guid, [event]]]))[0]![0];
    deps.projections.nudge();
    if (result!.status === 404) throw new ProblemError('unknown_guid', `No journey with GUID ${event.guid}`);
    if (result!.status === 503) throw new ProblemError('store_unavailable', 'The event store is unavailable; retry shortly (a retry with the same event_id is safe)', {}, { 'Retry-After': '1' });
    if (result!.status === 200) res.status(200).json({ success: true, event_id: event.event_id, duplicate: true });
    else res.status(201).json({ success: true, event_id: event.event_id });
  });

  router.post('/events', async (req, res) => {
    const parsed = batchBody.safeParse(bodyOf(req));
    if (!parsed.success) throw invalid(toViolations(parsed.error));
    const b = bounds();
    const receivedAt = b.now.toISOString();
    const results: EventResult[] = new Array(parsed.data.events.length);
    const byGuid = new Map<string, { index: number; event: TrackingEvent }[]>();
    parsed.data.events.forEach((raw, index) => {
      const p = parseLogEvent(raw, b, ['events', index]);
      if (!p.ok) {
        results[index] = { status: 400, violations: p.violations };
        return;
      }
      const event = toTrackingEvent(p.value, receivedAt);
      byGuid.set(event.guid, [...(byGuid.get(event.guid) ?? []), { index, event }]);
    });
    const groups = [...byGuid.entries()];
    // Every journey's events in one atomic append: a 5xx stores nothing, so the client may retry the whole batch.
    const answers = await logForJourneys(groups.map(([guid, items]) => [guid, items.map((x) => x.event)]));
    groups.forEach(([, items], g) => items.forEach((x, k) => (results[x.index] = answers[g]![k]!)));
    deps.projections.nudge();
    const body = results.map((r, index) =>
      r.status === 400
        ? { index, status: 400, success: false, code: 'validation_failed', violations: r.violations }
        : r.status === 404
          ? { index, status: 404, success: false, code: 'unknown_guid', detail: `No journey with GUID ${r.guid}` }
          : r.status === 503
            ? { index, status: 503, success: false, code: 'store_unavailable', detail: 'Not stored: the event store failed on this journey; retry it' }
            : { index, success: true, ...r },
    );
    const accepted = body.filter((r) => r.success).length;
    res.status(200).json({ accepted, rejected: body.length - accepted, results: body });
  });

  router.post('/journey/:guid/transition', async (req, res) => {
    const guid = String(req.params['guid']);
    // Not a GUID, not a journey: answered before anything reads a stream by that name.
    if (!isGuid(guid)) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    const parsed = transitionBody.safeParse(bodyOf(req));
    if (!parsed.success) throw invalid(toViolations(parsed.error));
    const outcome = await executeJourneyCommand(deps.store, guid, {
      type: 'RequestTransition',
      data: { guid, to: parsed.data.to_state, at: now().toISOString(), reason: parsed.data.reason ?? null, metadata: parsed.data.metadata ?? null, fact_id: randomUUID() },
    });
    if (!outcome.ok) {
      const { code, message } = outcome.error;
      if (code === 'journey_exists') throw new Error('unexpected journey_exists on a transition');
      throw new ProblemError(code, message, code === 'invalid_transition' ? { from: outcome.error.from, to: outcome.error.to } : {});
    }
    deps.projections.nudge();
    const t = outcome.events[0];
    res.status(200).json(
      t && t.type === 'JourneyTransitioned'
        ? { success: true, changed: true, from: t.data.from, to: t.data.to, at: t.data.at }
        : { success: true, changed: false, to: parsed.data.to_state },
    );
  });

  return router;
};
