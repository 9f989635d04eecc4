// Pure fold of a journey's stream events into its summary and tracking-event rows, by event time (arrival order never matters).
import { directionOf } from '../domain/event-catalogue.ts';
import { allStates } from '../domain/journey-definition.ts';
import { journeyStart, type JourneyCreatedData, type TimelineEntry } from '../domain/journey-events.ts';
import { JOURNEY_KINDS } from '../domain/journey-kinds.ts';
import { isTouch, type TrackingEvent } from '../domain/tracking-event.ts';
import type { Selectable, Insertable } from 'kysely';
import type { JourneySummaryTable, TrackingEventsTable } from './schema.ts';

export type SummaryRow = Selectable<JourneySummaryTable>;
export type TrackingEventRow = Insertable<TrackingEventsTable>;

const maxDate = (a: Date | null, b: Date): Date => (a && a.getTime() >= b.getTime() ? a : b);

export const definitionOf = (kind: string) => JOURNEY_KINDS[kind as keyof typeof JOURNEY_KINDS];

export const summaryFromCreated = (d: JourneyCreatedData): SummaryRow => {
  const started = new Date(journeyStart(d));
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
    created_at: started,
    issued_at: new Date(d.created_at),
    first_contact: null,
    last_contact: null,
    last_event_at: started,
    total_touches: 0,
    total_events: 0,
    channels_used: [],
    current_state: JOURNEY_KINDS[d.kind].initial,
    state_entered_at: started,
    converted_at: null,
    converted_seq: null,
    conversion_channel: null,
    conversion_touch_at: null,
    last_touch_channel: null,
    appointment_id: null,
    revenue_realized: null,
    appointment_key: null,
    revenue_key: null,
  };
};

export const trackingEventRow = (e: TrackingEvent, kind: string, globalPosition: bigint, stringify: (v: unknown) => string): TrackingEventRow => ({
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
  details: stringify(e.details),
  is_touch: isTouch(e, allStates(definitionOf(kind))),
  direction: directionOf(e.event_type, e.actor?.type),
  global_position: globalPosition.toString(),
});

const APPOINTMENT_TYPES = new Set(['PORTAL_SCHEDULE_APPOINTMENT', 'SCHEDULED', 'APPOINTMENT_CANCELLED']);

/** Orders facts of one kind by event time, ties by event id: the latest one is the one that holds. */
const factKey = (e: TrackingEvent) => `${new Date(e.occurred_at).toISOString()}|${e.event_id}`;

/** Counts, and the latest appointment and revenue by event time; touches are derived from the path afterwards. */
export const applyTrackingEvent = (s: SummaryRow, e: TrackingEvent): SummaryRow => {
  const next: SummaryRow = { ...s, total_events: s.total_events + 1, last_event_at: maxDate(s.last_event_at, new Date(e.occurred_at)) };
  if (next.dealer_code === null && e.dealer_code) next.dealer_code = e.dealer_code;
  const key = factKey(e);
  if (APPOINTMENT_TYPES.has(e.event_type) && (s.appointment_key === null || key > s.appointment_key)) {
    const id = e.details['appointment_id'];
    // A cancellation that is the latest appointment fact leaves the journey without an appointment.
    if (e.event_type === 'APPOINTMENT_CANCELLED' || typeof id === 'string') {
      next.appointment_id = e.event_type === 'APPOINTMENT_CANCELLED' ? null : (id as string);
      next.appointment_key = key;
    }
  }
  if (e.event_type === 'SERVICED' && typeof e.details['revenue'] === 'number' && (s.revenue_key === null || key > s.revenue_key)) {
    next.revenue_realized = e.details['revenue'].toFixed(2);
    next.revenue_key = key;
  }
  return next;
};

/** The summary after the journey's timeline changed: `seq` is the place of `entries[0]` (1 is the first move). */
export const applyTimeline = (s: SummaryRow, seq: number, entries: readonly TimelineEntry[]): SummaryRow => {
  const d = definitionOf(s.kind);
  const next: SummaryRow = { ...s };
  // Moves from `seq` on were replaced: a conversion among them is undone, one before them stands.
  if (next.converted_seq !== null && next.converted_seq >= seq) {
    next.converted_at = null;
    next.converted_seq = null;
  }
  entries.forEach((t, i) => {
    const at = new Date(t.at);
    next.last_event_at = maxDate(next.last_event_at, at);
    if (next.converted_seq === null && d.convertedStates.includes(t.to)) {
      next.converted_at = at;
      next.converted_seq = seq + i;
    }
  });
  const last = entries.at(-1);
  if (last) {
    next.current_state = last.to;
    next.state_entered_at = new Date(last.at);
  } else if (seq <= 1) {
    // Every move was undone: the journey stands in its initial state since its start.
    next.current_state = d.initial;
    next.state_entered_at = next.created_at;
  }
  return next;
};

/** The touch-derived fields, from the journey's touches sorted by event time ([epoch ms, channel, event id]). */
export const withTouches = (s: SummaryRow, touches: readonly (readonly [number, string, string])[]): SummaryRow => {
  const n = touches.length;
  const last = touches[n - 1];
  const next: SummaryRow = {
    ...s,
    total_touches: n,
    channels_used: [...new Set(touches.map((t) => t[1]))].sort(),
    first_contact: n > 0 ? new Date(touches[0]![0]) : null,
    last_contact: last ? new Date(last[0]) : null,
    last_touch_channel: last ? last[1] : null,
    conversion_channel: null,
    conversion_touch_at: null,
  };
  if (s.converted_at) {
    // The last touch at or before the conversion drove it.
    let i = n - 1;
    while (i >= 0 && touches[i]![0] > s.converted_at.getTime()) i--;
    if (i >= 0) {
      next.conversion_channel = touches[i]![1];
      next.conversion_touch_at = new Date(touches[i]![0]);
    }
  }
  return next;
};
