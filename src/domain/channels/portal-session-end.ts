// How a dealer-portal session ends, as one event whoever records it (the user, the route that finds it idle, the idle
// worker of any process): one deterministic event id, so that racing ends are stored once.
import type { TrackingEvent } from '../journeys/index.ts';

/** The id of every end of the session: the first stored wins, the others are its duplicates. */
export const portalEndEventId = (sessionId: string) => `portal:${sessionId}:end`;

/** When an idle session ends: its last activity plus the TTL (event time, whenever it is noticed). */
export const idleEndAt = (lastActivityAt: string | Date, ttlMs: number): string => new Date(new Date(lastActivityAt).getTime() + ttlMs).toISOString();

export interface PortalSessionRef {
  sessionId: string;
  guid: string;
  dealerCode: string | null;
  userId: string | null;
}

export type PortalEnd = { reason: 'ended'; at: string; userId: string | null } | { reason: 'idle'; lastActivityAt: string | Date; ttlMs: number };

/** PORTAL_SESSION_END: by the user (now, as them) or for idleness (at last activity + TTL, by the system). */
export const portalSessionEnd = (s: PortalSessionRef, end: PortalEnd, receivedAt: string): TrackingEvent => ({
  event_id: portalEndEventId(s.sessionId),
  guid: s.guid,
  event_type: 'PORTAL_SESSION_END',
  channel: 'PORTAL',
  occurred_at: end.reason === 'idle' ? idleEndAt(end.lastActivityAt, end.ttlMs) : end.at,
  received_at: receivedAt,
  actor: end.reason === 'idle' ? { type: 'system', id: 'portal-session-ttl' } : end.userId ? { type: 'human', id: end.userId } : { type: 'human' },
  dealer_code: s.dealerCode,
  session_id: s.sessionId,
  user_id: s.userId,
  details: end.reason === 'idle' ? { portal_session_id: s.sessionId, reason: 'idle', idle_seconds: Math.round(end.ttlMs / 1000) } : { portal_session_id: s.sessionId, reason: 'ended' },
});
