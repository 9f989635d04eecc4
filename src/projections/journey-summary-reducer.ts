// Pure fold of a journey's stream events into its read-model rows, by event time (late events land in place).
import { directionOf } from '../domain/event-catalogue.ts';
import { allStates } from '../domain/journey-definition.ts';
import type { JourneyCreatedData, JourneyTransitionedData } from '../domain/journey-events.ts';
import { JOURNEY_KINDS } from '../domain/journey-kinds.ts';
import { isTouch, type TrackingEvent } from '../domain/tracking-event.ts';
import type { Selectable, Insertable } from 'kysely';
import type { JourneySummaryTable, JourneyTransitionsTable, TrackingEventsTable } from './schema.ts';

export type SummaryRow = Selectable<JourneySummaryTable>;
export type TransitionRow = Insertable<JourneyTransitionsTable> & { seq: number; entered_at: Date; left_at: Date | null };
export type TrackingEventRow = Insertable<TrackingEventsTable>;

const t = (d: Date | null | undefined): number => (d ? d.getTime() : Number.NaN);
const minDate = (a: Date | null, b: Date): Date => (a && a.getTime() <= b.getTime() ? a : b);
const maxDate = (a: Date | null, b: Date): Date => (a && a.getTime() >= b.getTime() ? a : b);

export const summaryFromCreated = (d: JourneyCreatedData): SummaryRow => {
  const created = new Date(d.created_at);
  return {
    guid: d.guid,
    kind: d.kind,
    vin: d.vin,
    customer_id: d.customer_id,
    dealer_code: d.dealer_code,
    component_code: d.risk_event?.component_code ?? null,
    severity: d.risk_event?.severity ?? null,
    risk_score: d.risk_event?.risk_score ?? null,
    failure_probability: d.risk_event?.failure_probability ?? null,
    risk_event_at: d.risk_event ? new Date(d.risk_event.timestamp) : null,
    created_at: created,
    first_contact: null,
    last_contact: null,
    last_event_at: created,
    total_touches: 0,
    total_events: 0,
    channels_used: [],
    current_state: JOURNEY_KINDS[d.kind].initial,
    state_entered_at: created,
    converted_at: null,
    conversion_channel: null,
    conversion_touch_at: null,
    last_touch_channel: null,
    appointment_id: null,
    revenue_realized: null,
  };
};

export const initialTransition = (d: JourneyCreatedData): TransitionRow => ({
  guid: d.guid,
  seq: 0,
  from_state: null,
  to_state: JOURNEY_KINDS[d.kind].initial,
  entered_at: new Date(d.created_at),
  left_at: null,
  duration_ms: null,
  trigger: 'created',
  cause_event_id: null,
  reason: null,
  metadata: null,
});

export const trackingEventRow = (e: TrackingEvent, kind: string, globalPosition: bigint): TrackingEventRow => ({
  guid: e.guid,
  event_id: e.event_id,
  event_type: e.event_type,
  channel: e.channel,
  occurred_at: e.occurred_at,
  received_at: e.received_at,
  actor_type: e.actor?.type ?? null,
  actor_id: e.actor?.id ?? null,
  dealer_code: e.dealer_code,
  session_id: e.session_id,
  user_id: e.user_id,
  details: JSON.stringify(e.details),
  is_touch: isTouch(e, allStates(JOURNEY_KINDS[kind as keyof typeof JOURNEY_KINDS])),
  direction: directionOf(e.event_type, e.actor?.type),
  global_position: globalPosition.toString(),
});

const APPOINTMENT_TYPES = new Set(['PORTAL_SCHEDULE_APPOINTMENT', 'SCHEDULED']);

export const applyTrackingEvent = (s: SummaryRow, e: TrackingEvent, touch: boolean): SummaryRow => {
  const at = new Date(e.occurred_at);
  const next: SummaryRow = { ...s, total_events: s.total_events + 1, last_event_at: maxDate(s.last_event_at, at) };
  if (next.dealer_code === null && e.dealer_code) next.dealer_code = e.dealer_code;
  if (APPOINTMENT_TYPES.has(e.event_type) && typeof e.details['appointment_id'] === 'string') {
    next.appointment_id = e.details['appointment_id'];
  }
  if (e.event_type === 'SERVICED' && typeof e.details['revenue'] === 'number') {
    next.revenue_realized = e.details['revenue'].toFixed(2);
  }
  if (!touch) return next;
  next.total_touches = s.total_touches + 1;
  next.first_contact = minDate(s.first_contact, at);
  if (!s.last_contact || at.getTime() >= s.last_contact.getTime()) next.last_touch_channel = e.channel;
  next.last_contact = maxDate(s.last_contact, at);
  if (!s.channels_used.includes(e.channel)) next.channels_used = [...s.channels_used, e.channel].sort();
  // A touch that arrives after the conversion but happened before it may be the one that drove it.
  if (s.converted_at && at.getTime() <= t(s.converted_at) && !(at.getTime() < t(s.conversion_touch_at))) {
    next.conversion_channel = e.channel;
    next.conversion_touch_at = at;
  }
  return next;
};

export const applyTransition = (s: SummaryRow, d: JourneyTransitionedData): SummaryRow => {
  const at = new Date(d.at);
  const next: SummaryRow = { ...s, current_state: d.to, state_entered_at: at, last_event_at: maxDate(s.last_event_at, at) };
  const conversionState = JOURNEY_KINDS[s.kind as keyof typeof JOURNEY_KINDS].conversionState;
  if (d.to === conversionState && s.converted_at === null) {
    next.converted_at = at;
    if (s.last_contact && s.last_contact.getTime() <= at.getTime()) {
      next.conversion_channel = s.last_touch_channel;
      next.conversion_touch_at = s.last_contact;
    }
  }
  return next;
};

export const transitionRow = (d: JourneyTransitionedData, seq: number): TransitionRow => ({
  guid: d.guid,
  seq,
  from_state: d.from,
  to_state: d.to,
  entered_at: new Date(d.at),
  left_at: null,
  duration_ms: null,
  trigger: d.trigger,
  cause_event_id: d.cause_event_id,
  reason: d.reason,
  metadata: d.metadata ? JSON.stringify(d.metadata) : null,
});
