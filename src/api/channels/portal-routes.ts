// Dealer-portal sessions and their actions (PRD §3.2.4): each is an event on the journey, so a session survives a
// restart and is found by every process. Commands read the journey's own events; the GET reads the read model.
import { isIdle, portalActionEvent, portalActionName, type PortalSessionState } from '../../domain/channels/portal-session.ts';
import { portalSessionEnd, type PortalSessionRef } from '../../domain/channels/index.ts';
import { journeyStreamName } from '../../domain/journeys/index.ts';
import { seesDealer } from '../../domain/access/index.ts';
import { getPortalSession, reservePortalSession } from '../../projections/channels/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { requireDealer, seesGuid } from '../http/dealer-scope.ts';
import type { AppDeps } from '../http/deps.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { bodyOf, route, type AnyRoute, type HttpRuntime } from '../http/route.ts';
import { channelEvent, recordEvents } from './channel-events.ts';
import { actionBody, actionRecorded, endAnswer, sessionAnswer, sessionIdempotency, sessionParams, sessionStarted, startBody } from './portal-schemas.ts';
import { endedProblem, findPortalSession, journeyTrackingEvents, newPortalSessionId, portalActionEventId, portalSessionIdOfKey, sessionNotFound, visibleJourneyOf } from './portal-session-lookup.ts';

const P = '/api/v2/portal/sessions';
const unknownGuid = (guid: string) => new ProblemError('unknown_guid', `No journey with GUID ${guid}`);
const keyReused = (what: string) => new ProblemError('idempotency_key_reused', `This Idempotency-Key started ${what}`);

const refOf = (s: PortalSessionState): PortalSessionRef => ({ sessionId: s.sessionId, guid: s.guid, dealerCode: s.dealerCode, userId: s.userId });

/** A session idle past the TTL ended then, whether or not a worker has noticed: record it, as the worker would. */
const endIfIdle = async (deps: AppDeps, http: HttpRuntime, s: PortalSessionState, now: Date): Promise<PortalSessionState> => {
  const ttlMs = deps.channels.portalSessionTtlMs;
  if (!isIdle(s, ttlMs, now)) return s;
  const end = portalSessionEnd(refOf(s), { reason: 'idle', lastActivityAt: s.lastActivityAt, ttlMs }, now.toISOString());
  await recordEvents(http, [end]);
  return { ...s, end: { at: end.occurred_at, reason: 'idle' } };
};

export const startPortalSession = route({
  method: 'post',
  path: P,
  summary: 'Start a dealer-portal session on a journey (PORTAL_SESSION_START)',
  description:
    'Durable before the answer. The caller must see the journey\u2019s dealer (else 404) and the body\u2019s dealer_code (else 403). ' +
    'With an Idempotency-Key a retry answers 200 with the same session; the same key with another body is a 422.',
  tags: ['portal'],
  headers: sessionIdempotency,
  body: bodyOf(startBody),
  responses: { 201: { description: 'Started', schema: sessionStarted }, 200: { description: 'The same Idempotency-Key again: the same session', schema: sessionStarted } },
  problems: ['unknown_guid', 'idempotency_key_reused'],
  scope: 'journeys:write',
  handle: async ({ body, req, deps, now, principal, touched, http }) => {
    const { guid, user_id, dealer_code, role } = body;
    touched(guid);
    if (!seesGuid(principal, guid)) throw unknownGuid(guid);
    requireDealer(principal, dealer_code);
    const key = req.get('Idempotency-Key');
    const at = now().toISOString();
    const sessionId = key ? portalSessionIdOfKey(deps.channels.secret, principal, key) : newPortalSessionId();
    if ((await reservePortalSession(narrow(deps.db), sessionId, guid, new Date(at))) !== guid) throw keyReused('a session on another journey');
    touched(sessionId);
    const start = channelEvent('PORTAL', guid, 'PORTAL_SESSION_START', `portal:${sessionId}:start`, new Date(at), { type: 'human', id: user_id }, { portal_session_id: sessionId, role }, { dealer_code, session_id: sessionId, user_id });
    const [result] = await recordEvents(http, [start]);
    if (result!.status === 404) throw unknownGuid(guid);
    if (result!.status === 201) return { status: 201, body: { session_id: sessionId, guid, started_at: at } };
    // A retry: the session this key started must be the one asked for.
    const session = await findPortalSession(deps, principal, sessionId);
    if (session.userId !== user_id || session.dealerCode !== dealer_code || session.role !== role) throw keyReused('a session with another user, dealer or role');
    return { status: 200, body: { session_id: sessionId, guid, started_at: session.startedAt, duplicate: true } };
  },
});

export const recordPortalAction = route({
  method: 'post',
  path: `${P}/{id}/actions`,
  summary: 'Record an action of a portal session (view_lead, call_customer, schedule_appointment, add_note, or your own)',
  description:
    'Each action is an event on the journey (call_customer moves it to CONTACTED, schedule_appointment to SCHEDULED); details are checked against the event catalogue. ' +
    'add_note keeps only the note\u2019s length. An ended session (or one idle past the TTL, which this ends) answers 409; with an Idempotency-Key a retry is stored once.',
  tags: ['portal'],
  params: sessionParams,
  paramsProblem: 'not_found',
  headers: sessionIdempotency,
  body: bodyOf(actionBody),
  responses: { 201: { description: 'Recorded', schema: actionRecorded }, 200: { description: 'The same Idempotency-Key again: recorded once already', schema: actionRecorded } },
  problems: ['not_found', 'portal_session_ended', 'idempotency_key_reused'],
  scope: 'journeys:write',
  handle: async ({ params, body, req, deps, now, principal, touched, http }) => {
    const found = await findPortalSession(deps, principal, params.id);
    touched(found.guid, found.sessionId);
    const built = portalActionEvent(found.sessionId, body.action, body.details ?? {});
    if (!built.ok) throw invalid(built.violations);
    const at = now();
    const session = found.end ? found : await endIfIdle(deps, http, found, at);
    if (session.end) throw endedProblem(session);
    const key = req.get('Idempotency-Key');
    const event = channelEvent('PORTAL', session.guid, built.value.eventType, portalActionEventId(session.sessionId, key), at, session.userId ? { type: 'human', id: session.userId } : { type: 'human' }, built.value.details, {
      dealer_code: session.dealerCode,
      session_id: session.sessionId,
      user_id: session.userId,
    });
    const [result] = await recordEvents(http, [event]);
    if (result!.status === 404) throw sessionNotFound(session.sessionId);
    const answer = { session_id: session.sessionId, event_id: event.event_id, event_type: event.event_type, action: body.action };
    if (result!.status === 201) return { status: 201, body: { ...answer, at: event.occurred_at } };
    // A retry with the same key: it must be the same action.
    const stored = (await journeyTrackingEvents(deps.store, session.guid)).find((e) => e.event_id === event.event_id);
    if (!stored || stored.event_type !== event.event_type || portalActionName(stored) !== body.action) throw keyReused('another action');
    return { status: 200, body: { ...answer, at: stored.occurred_at, duplicate: true } };
  },
});

export const endPortalSession = route({
  method: 'post',
  path: `${P}/{id}/end`,
  summary: 'End a portal session (PORTAL_SESSION_END); ending it again is a no-op',
  description: 'One end per session whoever records it (event id portal:<id>:end). A session already idle past the TTL ends as idle, at its last activity plus the TTL.',
  tags: ['portal'],
  params: sessionParams,
  paramsProblem: 'not_found',
  responses: { 200: { description: 'Ended now (changed: true) or before (changed: false)', schema: endAnswer } },
  problems: ['not_found'],
  scope: 'journeys:write',
  handle: async ({ params, deps, now, principal, touched, http }) => {
    const session = await findPortalSession(deps, principal, params.id);
    touched(session.guid, session.sessionId);
    const answer = (s: PortalSessionState, changed: boolean) => ({ status: 200, body: { session_id: s.sessionId, ended_at: s.end!.at, end_reason: s.end!.reason, changed } });
    if (session.end) return answer(session, false);
    const at = now();
    const ttlMs = deps.channels.portalSessionTtlMs;
    const end = portalSessionEnd(
      refOf(session),
      isIdle(session, ttlMs, at) ? { reason: 'idle', lastActivityAt: session.lastActivityAt, ttlMs } : { reason: 'ended', at: at.toISOString(), userId: session.userId },
      at.toISOString(),
    );
    const [result] = await recordEvents(http, [end]);
    if (result!.status === 404) throw sessionNotFound(session.sessionId);
    if (result!.status === 201) return answer({ ...session, end: { at: end.occurred_at, reason: String(end.details['reason']) } }, true);
    // Another end (the idle worker, another process) was stored first: answer with it.
    return answer(await findPortalSession(deps, principal, session.sessionId), false);
  },
});

export const getPortalSessionRoute = route({
  method: 'get',
  path: `${P}/{id}`,
  summary: 'A portal session: who, when, how it ended, and its actions in order',
  description: 'Reflects every acknowledged event of the session (read-your-writes: it waits for the projections, then answers 503 with Retry-After).',
  tags: ['portal'],
  params: sessionParams,
  paramsProblem: 'not_found',
  responses: { 200: { description: 'The session', schema: sessionAnswer } },
  problems: ['not_found', 'projection_lagging'],
  scope: 'journeys:read',
  handle: async ({ params, deps, principal, touched }) => {
    const guid = await visibleJourneyOf(deps, principal, params.id);
    touched(guid, params.id);
    if (!(await deps.projections.waitForStream(journeyStreamName(guid), deps.config.readYourWritesTimeoutMs))) {
      throw new ProblemError('projection_lagging', 'The read models are behind the log; retry shortly', {}, { 'Retry-After': '1' });
    }
    const s = await getPortalSession(narrow(deps.db), params.id);
    if (!s || (principal !== null && !seesDealer(principal, s.dealer_code))) throw sessionNotFound(params.id);
    return {
      status: 200,
      body: {
        session_id: s.session_id,
        guid: s.guid,
        user_id: s.user_id,
        dealer_code: s.dealer_code,
        role: s.role,
        started_at: s.started_at.toISOString(),
        last_activity_at: s.last_activity_at.toISOString(),
        ended_at: s.ended_at ? s.ended_at.toISOString() : null,
        end_reason: s.end_reason,
        actions: s.actions.map((a) => ({ action: a.action, event_type: a.event_type, event_id: a.event_id, at: a.at.toISOString() })),
      },
    };
  },
});

export const portalRoutes: readonly AnyRoute[] = [startPortalSession, recordPortalAction, endPortalSession, getPortalSessionRoute] as AnyRoute[];
