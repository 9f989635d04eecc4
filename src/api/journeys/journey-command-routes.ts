// The command API for channel systems: open a journey (a risk event, a conversation), log events (one or a
// batch), request a transition. Routes only map a request to a command and an outcome to an answer.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { issueGuid, journeyCommands, openConversation, type GuidOutcome } from '../../application/journeys/index.ts';
import {
  batchBody,
  conversationBody,
  generateGuidBody,
  logEventBody,
  parseConversation,
  parseGenerateGuid,
  parseLogEvent,
  toTrackingEvent,
  transitionBody,
  type LogEventInput,
  type TimeBounds,
} from '../../domain/journeys/journey-requests.ts';
import type { TrackingEvent } from '../../domain/journeys/tracking-event.ts';
import { toViolations, type Violation } from '../../domain/shared/violation.ts';
import type { Principal } from '../../domain/access/index.ts';
import { contactHashesOf } from '../../application/channels/index.ts';
import type { CustomerInput } from '../../domain/channels/index.ts';
import { journeyStreamName, type JourneyContact } from '../../domain/journeys/index.ts';
import { requireDealer, seesGuid } from '../http/dealer-scope.ts';
import type { AppDeps } from '../http/deps.ts';
import { ProblemError } from '../http/problems.ts';
import { admitEventsOrShed } from '../http/load-shedding.ts';
import { route, type HttpRuntime, type RouteAnswer } from '../http/route.ts';
import { batchLogged, eventLogged, guidIssued, guidParams, idempotencyHeaders, transitioned } from './journey-schemas.ts';

const parseWith = <T>(schema: z.ZodType<T>, input: unknown) => {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true as const, value: parsed.data } : { ok: false as const, violations: toViolations(parsed.error) };
};

const boundsOf = (now: Date, deps: AppDeps): TimeBounds => ({ now, maxFutureSkewMs: deps.config.maxFutureSkewMs });

type EventResult =
  | { status: 201; event_id: string }
  | { status: 200; event_id: string; duplicate: true }
  | { status: 400; violations: Violation[] }
  | { status: 404; guid: string }
  | { status: 503; guid: string };

const trackingEventOf = (e: LogEventInput, receivedAt: string): TrackingEvent => toTrackingEvent(e, receivedAt, randomUUID);

/** Logs each journey's events through the group commit (src/application/journeys/group-commit.ts), timed for /metrics. */
const logForJourneys = async (deps: AppDeps, http: HttpRuntime, route: string, groups: [guid: string, events: TrackingEvent[]][]): Promise<EventResult[][]> => {
  const started = process.hrtime.bigint();
  const answers = await http.commit.submit(groups);
  http.metrics.appendSeconds.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
  http.metrics.appendEvents.observe({ route }, groups.reduce((n, [, events]) => n + events.length, 0));
  for (const a of answers) if (a[0]?.status === 503) deps.logger.warn({ err: a[0].cause, guid: a[0].guid }, 'append failed');
  return answers;
};

const issued = (deps: AppDeps, principal: Principal | null, touched: (...o: string[]) => void, outcome: GuidOutcome): RouteAnswer => {
  if (!outcome.ok) {
    const { code, message } = outcome.error;
    if (code === 'risk_event_conflict') {
      // The risk event is another dealer's journey: say that it is taken, not whose it is.
      if (!seesGuid(principal, outcome.error.guid)) throw new ProblemError(code, 'This risk event already has a journey, opened for another dealer');
      touched(outcome.error.guid);
      throw new ProblemError(code, message, { guid: outcome.error.guid });
    }
    throw new ProblemError(code, message);
  }
  touched(outcome.guid);
  return { status: outcome.created ? 201 : 200, body: { guid: outcome.guid, tracking_url: `${deps.config.publicUrl}/api/v2/tracking/journey/${outcome.guid}` } };
};

const opened = { 201: { description: 'Journey opened', schema: guidIssued }, 200: { description: 'The same request again (risk event or Idempotency-Key): the same GUID', schema: guidIssued } };

export const generateGuid = route({
  method: 'post',
  path: '/api/v2/tracking/generate-guid',
  summary: 'Open an outreach journey for a risk event and return its GUID',
  description: "The journey's clock starts at the risk event's timestamp. The same risk event (VIN, component, timestamp) again answers 200 with its GUID; with other details, 409 naming it.",
  tags: ['commands'],
  headers: idempotencyHeaders,
  body: { schema: generateGuidBody, parse: (input, { now, deps }) => parseGenerateGuid(input, boundsOf(now, deps)) },
  responses: opened,
  problems: ['risk_event_conflict', 'idempotency_key_reused'],
  scope: 'journeys:write',
  limit: 'guid',
  handle: async ({ body, req, deps, now, principal, touched }) => {
    const { vin, dealer_code, risk_event } = body;
    requireDealer(principal, dealer_code);
    const customer = customerOf(deps, body);
    return issued(deps, principal, touched, await issueGuid(deps.store, { prefix: deps.config.guidPrefix, vin, dealer_code, ...customer, risk_event, idempotencyKey: req.get('Idempotency-Key') ?? null, now: now() }));
  },
});

/** The customer's id (`customer.id`, or the older `customer_id`) and contact points, hashed before anything keeps them. */
const customerOf = (deps: AppDeps, body: { customer_id?: string | undefined; customer?: CustomerInput | undefined }): { customer_id: string | null; contact: JourneyContact | null } => {
  const c = body.customer;
  const contact: JourneyContact = { ...(c ? contactHashesOf(deps.channels.secret, c) : {}), ...(c?.timezone ? { timezone: c.timezone } : {}) };
  return { customer_id: c?.id ?? body.customer_id ?? null, contact: Object.keys(contact).length > 0 ? contact : null };
};

export const openConversationRoute = route({
  method: 'post',
  path: '/api/v2/tracking/conversations',
  summary: 'Open a conversation journey (INBOUND_QUEUE) on a channel and return its GUID',
  description:
    'A conversation has no natural key: send an Idempotency-Key so that a retry answers 200 with the same GUID. `parent_guid` links it to the outreach journey it continues (404 when there is none you can see); `categories` are carried on the conversation and every report filters by them.',
  tags: ['commands'],
  headers: idempotencyHeaders,
  body: { schema: conversationBody, parse: (input, { now, deps }) => parseConversation(input, boundsOf(now, deps)) },
  responses: opened,
  problems: ['idempotency_key_reused', 'unknown_guid'],
  scope: 'journeys:write',
  limit: 'guid',
  handle: async ({ body, req, deps, now, principal, touched }) => {
    const { channel, dealer_code, started_at, platform, parent_guid, categories } = body;
    requireDealer(principal, dealer_code);
    if (parent_guid && !(seesGuid(principal, parent_guid) && (await journeyExists(deps, parent_guid)))) {
      throw new ProblemError('unknown_guid', `No journey with GUID ${parent_guid} to continue (parent_guid)`);
    }
    const customer = customerOf(deps, body);
    return issued(
      deps,
      principal,
      touched,
      await openConversation(deps.store, {
        prefix: deps.config.guidPrefix,
        channel,
        dealer_code,
        ...customer,
        started_at: started_at ?? null,
        platform: platform ?? null,
        parent_guid: parent_guid ?? null,
        categories: categories ?? null,
        idempotencyKey: req.get('Idempotency-Key') ?? null,
        now: now(),
      }),
    );
  },
});

const journeyExists = (deps: AppDeps, guid: string): Promise<boolean> => deps.store.eventStore.streamExists(journeyStreamName(guid));

export const logEvent = route({
  method: 'post',
  path: '/api/v2/tracking/log-event',
  summary: 'Log one tracking event',
  description: 'occurred_at is event time (late and out-of-order events land where they happened); the same event_id again is a duplicate, stored once.',
  tags: ['commands'],
  body: { schema: logEventBody, parse: (input, { now, deps }) => parseLogEvent(input, boundsOf(now, deps)) },
  responses: { 201: { description: 'Stored', schema: eventLogged }, 200: { description: 'Duplicate event_id: stored once already', schema: eventLogged } },
  problems: ['unknown_guid'],
  scope: 'journeys:write',
  handle: async ({ body, deps, now, principal, touched, http }) => {
    const event = trackingEventOf(body, now().toISOString());
    touched(event.guid);
    if (!seesGuid(principal, event.guid)) throw new ProblemError('unknown_guid', `No journey with GUID ${event.guid}`);
    const result = (await logForJourneys(deps, http, 'log-event', [[event.guid, [event]]]))[0]![0]!;
    if (result.status === 404) throw new ProblemError('unknown_guid', `No journey with GUID ${event.guid}`);
    if (result.status === 503) throw new ProblemError('store_unavailable', 'The event store is unavailable; retry shortly (a retry with the same event_id is safe)', {}, { 'Retry-After': '1' });
    return result.status === 200 ? { status: 200, body: { success: true, event_id: event.event_id, duplicate: true } } : { status: 201, body: { success: true, event_id: event.event_id } };
  },
});

export const logEvents = route({
  method: 'post',
  path: '/api/v2/tracking/events',
  summary: 'Log up to 1,000 events; one result per event, in order',
  description: "Every journey's events in one atomic append: a 5xx stored nothing, and sending the same batch again converges (what is stored answers as a duplicate).",
  tags: ['commands'],
  // The list is judged as a whole (its size); each body in it on its own (one bad event rejects only itself).
  body: { schema: batchBody.extend({ events: z.array(logEventBody).min(1).max(1000) }), parse: (input) => parseWith(batchBody, input) },
  responses: { 200: { description: 'Per-event results', schema: batchLogged } },
  problems: [],
  scope: 'journeys:write',
  limit: 'batch',
  handle: async ({ body, deps, now, principal, touched, http, res }) => {
    admitEventsOrShed(http, res, body.events.length);
    const at = now();
    const bounds = boundsOf(at, deps);
    const results: EventResult[] = new Array(body.events.length);
    const byGuid = new Map<string, { index: number; event: TrackingEvent }[]>();
    body.events.forEach((raw, index) => {
      const p = parseLogEvent(raw, bounds, ['events', index]);
      if (!p.ok) {
        results[index] = { status: 400, violations: p.violations };
        return;
      }
      const event = trackingEventOf(p.value, at.toISOString());
      // Another dealer's journey answers as no journey, like a GUID that does not exist.
      if (!seesGuid(principal, event.guid)) {
        results[index] = { status: 404, guid: event.guid };
        return;
      }
      byGuid.set(event.guid, [...(byGuid.get(event.guid) ?? []), { index, event }]);
    });
    const groups = [...byGuid.entries()];
    touched(...byGuid.keys());
    const answers = await logForJourneys(deps, http, 'events', groups.map(([guid, items]) => [guid, items.map((x) => x.event)]));
    groups.forEach(([, items], g) => items.forEach((x, k) => (results[x.index] = answers[g]![k]!)));
    const out = results.map((r, index) =>
      r.status === 400
        ? { index, status: 400, success: false, code: 'validation_failed', violations: r.violations }
        : r.status === 404
          ? { index, status: 404, success: false, code: 'unknown_guid', detail: `No journey with GUID ${r.guid}` }
          : r.status === 503
            ? { index, status: 503, success: false, code: 'store_unavailable', detail: 'Not stored: the event store failed on this journey; retry it' }
            : { index, success: true, ...r },
    );
    const accepted = out.filter((r) => r.success).length;
    return { status: 200, body: { accepted, rejected: out.length - accepted, results: out } };
  },
});

export const requestTransition = route({
  method: 'post',
  path: '/api/v2/tracking/journey/{guid}/transition',
  summary: 'Request a lifecycle transition',
  description: 'Checked against the state the journey is in by event time; asking for the current state again is a no-op (changed: false).',
  tags: ['commands'],
  params: guidParams,
  paramsProblem: 'unknown_guid',
  body: { schema: transitionBody, parse: (input) => parseWith(transitionBody, input) },
  responses: { 200: { description: 'Transitioned, or already in that state', schema: transitioned } },
  problems: ['unknown_guid', 'invalid_state', 'invalid_transition'],
  scope: 'journeys:write',
  handle: async ({ params, body, deps, now, principal, touched }) => {
    const { guid } = params;
    touched(guid);
    if (!seesGuid(principal, guid)) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
    const outcome = await journeyCommands.execute(deps.store, guid, {
      type: 'RequestTransition',
      data: { guid, to: body.to_state, at: now().toISOString(), reason: body.reason ?? null, metadata: body.metadata ?? null, fact_id: randomUUID() },
    });
    if (!outcome.ok) {
      const { code, message } = outcome.error;
      throw new ProblemError(code, message, outcome.error.code === 'invalid_transition' ? { from: outcome.error.from, to: outcome.error.to } : {});
    }
    const t = outcome.events.find((e) => e.type === 'JourneyTransitioned' && e.data.trigger === 'explicit');
    return {
      status: 200,
      body: t && t.type === 'JourneyTransitioned' ? { success: true, changed: true, from: t.data.from, to: t.data.to, at: t.data.at } : { success: true, changed: false, to: body.to_state },
    };
  },
});

