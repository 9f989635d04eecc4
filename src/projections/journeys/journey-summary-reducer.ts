// Pure fold of a journey's stream events into its summary and tracking-event rows, by event time (arrival order
// never matters: every "latest" is the greatest (occurred_at, event_id)).
import type { Insertable, Selectable } from 'kysely';
import { directionOf } from '../../domain/journeys/event-catalogue.ts';
import { allStates } from '../../domain/journeys/journey-definition.ts';
import { journeyStart, type JourneyCreatedData, type TimelineEntry } from '../../domain/journeys/journey-events.ts';
import { JOURNEY_KINDS } from '../../domain/journeys/journey-kinds.ts';
import { factKey, progressAfterAppend, progressAfterRevision, type JourneyProgress } from '../../domain/journeys/journey-progress.ts';
import { isTouch, type TrackingEvent } from '../../domain/journeys/tracking-event.ts';
import type { JourneySummaryTable, TrackingEventsTable } from './journeys-schema.ts';

export type SummaryRow = Selectable<JourneySummaryTable>;
export type TrackingEventRow = Insertable<TrackingEventsTable>;

const minDate = (a: Date | null, b: Date): Date => (a && a.getTime() <= b.getTime() ? a : b);
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
    moves: 0,
    converted_at: null,
    converted_seq: null,
    conversion_channel: null,
    conversion_touch_at: null,
    last_touch_channel: null,
    appointment_id: null,
    revenue_realized: null,
    last_touch_key: null,
    conversion_touch_key: null,
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

/** Counts, touches, and the latest appointment and revenue, by event time. */
export const applyTrackingEvent = (s: SummaryRow, e: TrackingEvent, touch: boolean): SummaryRow => {
  const at = new Date(e.occurred_at);
  const key = factKey(e.occurred_at, e.event_id);
  const next: SummaryRow = { ...s, total_events: s.total_events + 1, last_event_at: maxDate(s.last_event_at, at) };
  if (next.dealer_code === null && e.dealer_code) next.dealer_code = e.dealer_code;
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
  if (!touch) return next;
  next.total_touches = s.total_touches + 1;
  next.first_contact = minDate(s.first_contact, at);
  if (!s.channels_used.includes(e.channel)) next.channels_used = [...s.channels_used, e.channel].sort();
  if (s.last_touch_key === null || key > s.last_touch_key) {
    next.last_touch_key = key;
    next.last_contact = at;
    next.last_touch_channel = e.channel;
  }
  // The last touch at or before the conversion drove it (a late touch may be it).
  if (s.converted_at && at.getTime() <= s.converted_at.getTime() && (s.conversion_touch_key === null || key > s.conversion_touch_key)) {
    next.conversion_touch_key = key;
    next.conversion_touch_at = at;
    next.conversion_channel = e.channel;
  }
  return next;
};

const progressOf = (s: SummaryRow): JourneyProgress => ({
  moves: s.moves,
  state: s.current_state,
  stateEnteredAt: s.state_entered_at.toISOString(),
  convertedSeq: s.converted_seq,
  convertedAt: s.converted_at?.toISOString() ?? null,
});

const withProgress = (s: SummaryRow, p: JourneyProgress, entries: readonly TimelineEntry[]): SummaryRow => ({
  ...s,
  moves: p.moves,
  current_state: p.state,
  state_entered_at: new Date(p.stateEnteredAt),
  converted_seq: p.convertedSeq,
  converted_at: p.convertedAt === null ? null : new Date(p.convertedAt),
  last_event_at: entries.reduce((latest, t) => maxDate(latest, new Date(t.at)), s.last_event_at),
});

/** After moves at the end of the timeline. */
export const applyAppend = (s: SummaryRow, entries: readonly TimelineEntry[]): SummaryRow => withProgress(s, progressAfterAppend(definitionOf(s.kind), progressOf(s), entries), entries);

/** After a revision of the timeline's past: the first `keep` moves stand. */
export const applyRevision = (s: SummaryRow, keep: number, entries: readonly TimelineEntry[]): SummaryRow =>
  withProgress(s, progressAfterRevision(definitionOf(s.kind), progressOf(s), keep, entries, s.created_at.toISOString()), entries);

/** Whether the conversion moved (so its touch is looked up again among every touch). */
export const conversionMoved = (before: SummaryRow, after: SummaryRow): boolean => before.converted_at?.getTime() !== after.converted_at?.getTime();

/** The conversion's touch, found again: the last touch at or before it, or none. */
export const withConversionTouch = (s: SummaryRow, touch: { channel: string; occurred_at: Date; event_id: string } | undefined): SummaryRow =>
  touch && s.converted_at
    ? { ...s, conversion_channel: touch.channel, conversion_touch_at: touch.occurred_at, conversion_touch_key: factKey(touch.occurred_at.toISOString(), touch.event_id) }
    : { ...s, conversion_channel: null, conversion_touch_at: null, conversion_touch_key: null };
