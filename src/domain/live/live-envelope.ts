// What other systems are told (webhooks, the SSE stream, NATS): one envelope per thing that happened to a journey,
// made from the journey stream's events by a fold that needs only a little state per journey. Pure: the outbox
// projection calls it in log order and stores the envelopes with the log position they came from.
import { JOURNEY_KINDS, type JourneyEvent, type JourneyKind, type TimelineEntry, type TrackingEvent } from '../journeys/index.ts';

export const LIVE_EVENT_NAMES = ['journey.created', 'journey.state_changed', 'journey.converted', 'event.logged', 'contact.opted_out', 'contact.opted_in', 'reply.routed'] as const;
export type LiveEventName = (typeof LIVE_EVENT_NAMES)[number];

export const isLiveEventName = (v: unknown): v is LiveEventName => typeof v === 'string' && (LIVE_EVENT_NAMES as readonly string[]).includes(v);

/** One message to the outside. `id` is stable across rebuilds, retries and replays (the webhook-id, the NATS msg id). */
export interface LiveEnvelope {
  id: string;
  type: LiveEventName;
  /** Event time (when it happened to the customer), ISO 8601. */
  timestamp: string;
  guid: string;
  dealer_code: string | null;
  kind: JourneyKind;
  /** The journey stream's position of the event it came from: per journey, increasing; a receiver drops older ones. */
  sequence: number;
  data: Record<string, unknown>;
}

/** A tracking event kept so that a later move can name its cause's channel and facts (a batch may split them). */
interface RecentFact {
  event_id: string;
  channel: string;
  details: Record<string, unknown>;
}

/** What the fold keeps per journey between batches. */
export interface LiveJourney {
  guid: string;
  kind: JourneyKind;
  dealer_code: string | null;
  state: string;
  converted: boolean;
  /** The last few tracking events, newest last: a move's cause is almost always among them. */
  recent: RecentFact[];
}

const RECENT = 16;

/** The PRD §5.2 metadata of a move, from its cause's details where it has them. */
const moveMetadata = (cause: RecentFact | undefined): Record<string, unknown> => {
  const d = cause?.details ?? {};
  const pick = (k: string) => (d[k] === undefined ? {} : { [k]: d[k] });
  return {
    ...pick('appointment_id'),
    ...(d['scheduled_for'] === undefined ? {} : { scheduled_date: d['scheduled_for'] }),
    ...pick('service_type'),
    ...(d['revenue'] === undefined ? {} : { estimated_revenue: d['revenue'] }),
  };
};

export interface EnvelopeSource {
  guid: string;
  streamPosition: bigint;
  /** Stable identity of the stored event (stream and position), so ids survive a rebuild. */
  idOf(name: LiveEventName, index: number): string;
}

/**
 * Applies one journey event: the journey's next state (undefined for a journey this fold never saw created:
 * nothing to say about it) and the envelopes it produces, in order.
 */
export const foldLiveEvent = (j: LiveJourney | undefined, e: JourneyEvent, src: EnvelopeSource): { journey: LiveJourney | undefined; envelopes: LiveEnvelope[] } => {
  const out: LiveEnvelope[] = [];
  const sequence = Number(src.streamPosition);
  const push = (journey: LiveJourney, type: LiveEventName, timestamp: string, data: Record<string, unknown>) =>
    out.push({ id: src.idOf(type, out.length), type, timestamp, guid: journey.guid, dealer_code: journey.dealer_code, kind: journey.kind, sequence, data });

  if (e.type === 'JourneyCreated') {
    const d = e.data;
    const journey: LiveJourney = { guid: d.guid, kind: d.kind, dealer_code: d.dealer_code, state: JOURNEY_KINDS[d.kind].initial, converted: false, recent: [] };
    push(journey, 'journey.created', d.started_at ?? d.created_at, { state: journey.state, channel: d.channel, started_at: d.started_at ?? d.created_at, issued_at: d.created_at, ...(d.risk_event ? { risk_event: { component_code: d.risk_event.component_code, severity: d.risk_event.severity, risk_score: d.risk_event.risk_score } } : {}) });
    return { journey, envelopes: out };
  }
  if (!j) return { journey: j, envelopes: out };
  if (e.type === 'TrackingEventLogged') {
    const t: TrackingEvent = e.data;
    const journey = { ...j, recent: [...j.recent, { event_id: t.event_id, channel: t.channel, details: t.details }].slice(-RECENT) };
    push(journey, 'event.logged', t.occurred_at, { event_id: t.event_id, event_type: t.event_type, channel: t.channel, occurred_at: t.occurred_at, received_at: t.received_at, actor: t.actor, details: t.details });
    if (t.event_type === 'CONTACT_OPTED_OUT' || t.event_type === 'CONTACT_OPTED_IN') {
      push(journey, t.event_type === 'CONTACT_OPTED_OUT' ? 'contact.opted_out' : 'contact.opted_in', t.occurred_at, { channel: t.channel, address_hash: t.details['address_hash'], origin: t.details['origin'] ?? null, event_id: t.event_id });
    }
    if (t.event_type === 'REPLY_ROUTED') push(journey, 'reply.routed', t.occurred_at, { route: t.details['route'], classification: t.details['classification'] ?? null, message_id: t.details['message_id'] ?? null, event_id: t.event_id });
    return { journey, envelopes: out };
  }
  const moves: TimelineEntry[] = e.type === 'JourneyTransitioned' ? [e.data] : e.data.transitions;
  const last = moves.at(-1);
  // A revision that leaves the journey where it was tells nobody anything new.
  if (!last || last.to === j.state) return { journey: j, envelopes: out };
  const cause = j.recent.find((r) => r.event_id === last.cause_event_id);
  const journey = { ...j, state: last.to };
  push(journey, 'journey.state_changed', last.at, {
    previous_state: j.state,
    new_state: last.to,
    channel: cause?.channel ?? null,
    timestamp: last.at,
    trigger: last.trigger,
    cause_event_id: last.cause_event_id,
    reason: last.reason,
    revised: e.type === 'JourneyTimelineRevised',
    metadata: { ...moveMetadata(cause), ...(last.metadata ?? {}) },
  });
  if (!j.converted && JOURNEY_KINDS[j.kind].convertedStates.includes(last.to)) {
    journey.converted = true;
    push(journey, 'journey.converted', last.at, { state: last.to, channel: cause?.channel ?? null, converted_at: last.at, metadata: moveMetadata(cause) });
  }
  return { journey, envelopes: out };
};
