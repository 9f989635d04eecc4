// How recently a journey saw activity, as its own stream knows it: the clocks the idle limits read
// (src/domain/conversations/idle-expiry.ts; docs/conversations.md "Idle limits").
import { directionOf } from './event-catalogue.ts';
import { allStates, type JourneyDefinition, type JourneyKind } from './journey-definition.ts';
import { isTouch, type TrackingEvent } from './tracking-event.ts';

export interface JourneyActivity {
  /** The latest event time of any tracking event on the journey (null: none yet). */
  lastEventAt: number | null;
  /**
   * The latest event time of contact with the customer either way: a touch (a customer-facing event, as the journey
   * summary's `last_contact` counts it) or an outbound contact attempt on any channel (a call from the portal too).
   */
  lastContactAt: number | null;
  /** Outbound contact attempts (EMAIL_SENT, SMS_SENT, CALL_INITIATED, MESSAGE_SENT, PORTAL_CALL_CUSTOMER, ...). */
  contactAttempts: number;
}

export const NO_ACTIVITY: JourneyActivity = { lastEventAt: null, lastContactAt: null, contactAttempts: 0 };

// allStates allocates; the kinds are constants, so each is computed once.
const statesOf = new WeakMap<JourneyDefinition, readonly string[]>();
const lifecycleStates = (d: JourneyDefinition): readonly string[] => {
  let s = statesOf.get(d);
  if (!s) statesOf.set(d, (s = allStates(d)));
  return s;
};

const later = (a: number | null, b: number): number => (a === null || b > a ? b : a);

/** The activity after one more logged event (any arrival order gives the same: every clock is a maximum by event time). */
export const withActivity = (a: JourneyActivity, d: JourneyDefinition, e: TrackingEvent): JourneyActivity => {
  const at = Date.parse(e.occurred_at);
  const outbound = directionOf(e.event_type, e.actor?.type) === 'outbound';
  const contact = outbound || isTouch(e, lifecycleStates(d));
  return {
    lastEventAt: later(a.lastEventAt, at),
    lastContactAt: contact ? later(a.lastContactAt, at) : a.lastContactAt,
    contactAttempts: a.contactAttempts + (outbound ? 1 : 0),
  };
};

/** What an idle rule sees of a journey's stream: its state by event time, when it entered it, and its activity. */
export interface IdleView {
  guid: string;
  kind: JourneyKind;
  state: string;
  stateEnteredAt: string;
  activity: JourneyActivity;
}

/** An idle rule: the event that ends the journey's idle period, or null when it is not idle (a pure function). */
export type IdleJudge = (view: IdleView) => TrackingEvent | null;
