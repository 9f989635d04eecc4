// Finding a portal session for a command without waiting on the projections: its journey from the session index,
// its state from the journey's own events (the stream is the truth, in every process and after a restart).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { seesDealer, type Principal } from '../../domain/access/index.ts';
import { portalSessionOf, type PortalSessionState } from '../../domain/channels/portal-session.ts';
import { decodeJourneyEvent, journeyStreamName, type TrackingEvent } from '../../domain/journeys/index.ts';
import type { OpenedStore } from '../../eventstore/index.ts';
import { journeyOfPortalSession } from '../../projections/channels/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { seesGuid } from '../http/dealer-scope.ts';
import type { AppDeps } from '../http/deps.ts';
import { ProblemError } from '../http/problems.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SPACE = 62n ** 20n;

/** `ps_` + 20 base62 characters of these bytes (at least 16 of them: 62^20 is below 2^128). */
const sessionIdOf = (bytes: Buffer): string => {
  let n = BigInt(`0x${bytes.toString('hex')}`) % SPACE;
  let out = '';
  for (let i = 0; i < 20; i++) {
    out = BASE62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return `ps_${out}`;
};

export const newPortalSessionId = (): string => sessionIdOf(randomBytes(16));

/**
 * The session id an Idempotency-Key stands for: keyed with the channel secret and scoped to the caller, so that a
 * retry finds the same session and nobody can guess another caller's session from a key.
 */
export const portalSessionIdOfKey = (secret: Buffer, principal: Principal | null, key: string): string =>
  sessionIdOf(createHmac('sha256', secret).update(`portal-session\n${principal?.id ?? ''}\n${key}`).digest());

/** An action's event id: from the Idempotency-Key when there is one (a retry is a duplicate), else random. */
export const portalActionEventId = (sessionId: string, key: string | undefined): string =>
  key ? `portal:${sessionId}:k:${createHash('sha256').update(key).digest('hex').slice(0, 40)}` : `portal:${sessionId}:${randomBytes(12).toString('hex')}`;

/** The journey's tracking events in stream order. */
export const journeyTrackingEvents = async (store: OpenedStore, guid: string): Promise<TrackingEvent[]> => {
  const { events } = await store.eventStore.readStream(journeyStreamName(guid));
  return events.flatMap((e) => {
    const d = decodeJourneyEvent(e.type, e.data);
    return d.ok && d.event.type === 'TrackingEventLogged' ? [d.event.data] : [];
  });
};

export const sessionNotFound = (id: string) => new ProblemError('not_found', `No portal session ${id}`);

/** The session's journey, when it has one the caller may see (another dealer's session answers as none). */
export const visibleJourneyOf = async (deps: AppDeps, principal: Principal | null, id: string): Promise<string> => {
  const guid = await journeyOfPortalSession(narrow(deps.db), id);
  if (!guid || !seesGuid(principal, guid)) throw sessionNotFound(id);
  return guid;
};

/** The session as its journey's events say now, or 404 (unknown, never started, or of a dealer outside the caller's scope). */
export const findPortalSession = async (deps: AppDeps, principal: Principal | null, id: string): Promise<PortalSessionState> => {
  const guid = await visibleJourneyOf(deps, principal, id);
  const session = portalSessionOf(await journeyTrackingEvents(deps.store, guid), id);
  if (!session || (principal !== null && !seesDealer(principal, session.dealerCode))) throw sessionNotFound(id);
  return session;
};

export const endedProblem = (s: PortalSessionState) =>
  new ProblemError('portal_session_ended', `Portal session ${s.sessionId} ended (${s.end?.reason}) at ${s.end?.at}: start a new session`, { ended_at: s.end?.at, end_reason: s.end?.reason });
