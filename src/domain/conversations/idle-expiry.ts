// The idle rule: when a journey has gone too long without activity in its state, and the one event that says so
// (SESSION_EXPIRED for a conversation, ABANDONED for outreach). Everything in the event comes from the stream and
// the limits, never from when a worker noticed, so every worker that judges the same idle period writes the same
// event, with the same id, and the store keeps one.
import type { IdleJudge, IdleView, TrackingEvent } from '../journeys/index.ts';
import { ABANDONABLE_STATES, idleLimitOf, type IdleLimits } from './idle-limits.ts';

export interface IdleVerdict {
  eventType: 'SESSION_EXPIRED' | 'ABANDONED';
  state: string;
  /** When the idle period began: the later of the state's entry and the last activity (event time, ms). */
  idleSince: number;
  limitMs: number;
  /** When the limit passed: the expiry's event time. */
  at: number;
}

/**
 * Where the idle clock starts. A conversation: its state's entry or its last event of any kind, whichever is later
 * (a message either way, a web-view step, an assignment, a category change: someone is on it). An outreach journey:
 * its state's entry or its last contact either way (a contact attempt or a customer-facing event), so a delivery
 * receipt or a dealer viewing the lead does not keep it from being abandoned.
 */
export const idleSinceOf = (view: IdleView): number => {
  const a = view.activity;
  const last = view.kind === 'conversation' ? a.lastEventAt : a.lastContactAt;
  return Math.max(Date.parse(view.stateEnteredAt), last ?? Number.NEGATIVE_INFINITY);
};

/** Idle now (its limit passed at or before `now`), or null: no limit in this state, or activity within it. */
export const judgeIdle = (view: IdleView, limits: IdleLimits, now: Date): IdleVerdict | null => {
  const limitMs = idleLimitOf(limits, view.kind, view.state);
  if (limitMs === null) return null;
  const idleSince = idleSinceOf(view);
  const at = idleSince + limitMs;
  if (at > now.getTime()) return null;
  return { eventType: view.kind === 'conversation' ? 'SESSION_EXPIRED' : 'ABANDONED', state: view.state, idleSince, limitMs, at };
};

/** One id per idle period: a second worker, a retry or a restart judging the same period names the same event. */
export const idleEventId = (guid: string, state: string, idleSince: number): string => `ttl:${guid}:${state}:${idleSince}`;

export const TTL_ACTOR = { type: 'system', id: 'ttl-worker' } as const;

export interface IdleEventContext {
  /** The journey's dealer (as its summary has it), so the event is filed with the journey. */
  dealerCode: string | null;
  receivedAt: string;
}

export const idleEvent = (view: IdleView, v: IdleVerdict, ctx: IdleEventContext): TrackingEvent => {
  const seconds = Math.floor(v.limitMs / 1000);
  return {
    event_id: idleEventId(view.guid, v.state, v.idleSince),
    guid: view.guid,
    event_type: v.eventType,
    channel: 'SYSTEM',
    occurred_at: new Date(v.at).toISOString(),
    received_at: ctx.receivedAt,
    actor: { ...TTL_ACTOR },
    dealer_code: ctx.dealerCode,
    session_id: null,
    user_id: null,
    details:
      v.eventType === 'SESSION_EXPIRED'
        ? { idle_seconds: seconds, state: v.state, ttl_seconds: seconds }
        : { idle_seconds: seconds, attempts: view.activity.contactAttempts, reason: 'no_response' },
  };
};

/** The judge the journey decider runs on the stream (`ExpireIdle`): the limits and the worker's clock, fixed. */
export const idleJudge =
  (limits: IdleLimits, now: Date, ctx: IdleEventContext): IdleJudge =>
  (view) => {
    const v = judgeIdle(view, limits, now);
    return v ? idleEvent(view, v, ctx) : null;
  };

/** What the worker asks the read model for: per state, journeys whose last activity is at or before `before`. */
export interface IdleScan {
  conversation: { state: string; before: Date }[];
  outreach: { states: readonly string[]; before: Date } | null;
}

export const idleScanOf = (limits: IdleLimits, now: Date): IdleScan => ({
  conversation: Object.entries(limits.conversation).map(([state, ms]) => ({ state, before: new Date(now.getTime() - ms) })),
  outreach: limits.outreachAbandonMs === null ? null : { states: ABANDONABLE_STATES, before: new Date(now.getTime() - limits.outreachAbandonMs) },
});
