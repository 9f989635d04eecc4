// The events of a journey stream (`journey-<GUID>`): creation, logged tracking events, state transitions.
import type { JourneyKind } from './journey-definition.ts';
import type { TrackingEvent } from './tracking-event.ts';

export type RiskEvent = {
  component_code: string;
  severity: string;
  risk_score: number;
  timestamp: string;
  failure_probability?: number | undefined;
}

/** The customer's contact points as a journey keeps them: keyed hashes only (src/domain/channels/contact-points.ts). */
export type JourneyContact = {
  email_hash?: string;
  phone_hash?: string;
  /** IANA time zone, for contact-time rules. */
  timezone?: string;
}

/** Set where a conversation starts and carried on it; CATEGORIES_UPDATED changes them later. */
export type ConversationCategories = {
  department?: string | undefined;
  query_nature?: string | undefined;
  language?: string | undefined;
  priority?: 'low' | 'normal' | 'high' | 'urgent' | undefined;
}

export type JourneyCreatedData = {
  guid: string;
  kind: JourneyKind;
  /** When the GUID was issued (server time): record keeping only. */
  created_at: string;
  /**
   * Event time at which the journey's clock starts: an outreach journey's risk event, a conversation's start.
   * Absent on journeys stored before it existed; their clock started at `created_at`.
   */
  started_at?: string;
  dealer_code: string | null;
  vin: string | null;
  customer_id: string | null;
  risk_event: RiskEvent | null;
  channel: string | null;
  /** A hash of the request that opened the journey, so that a retry of it recognises the journey as its own. */
  request_fingerprint?: string;
  contact?: JourneyContact;
  /** A conversation's messaging platform (whatsapp, webchat, ...). */
  platform?: string;
  /** The outreach journey a conversation continues. */
  parent_guid?: string;
  categories?: ConversationCategories;
}

export type JourneyTransitionedData = {
  guid: string;
  from: string;
  to: string;
  at: string;
  /** The tracking event that implied the move, or null for an explicit request. */
  cause_event_id: string | null;
  trigger: 'event' | 'explicit';
  reason: string | null;
  metadata: Record<string, unknown> | null;
  /** An explicit request's own id (its place among same-time facts); absent on implied moves. */
  fact_id?: string;
}

/** One move of a journey's lifecycle timeline, as the timeline lists it (a transition without its GUID). */
export type TimelineEntry = Omit<JourneyTransitionedData, 'guid'>;

/**
 * A late fact changed the journey's past: the first `keep` transitions stand, the ones after are replaced by
 * `transitions` (the timeline computed again by event time). A plain move at the end is a JourneyTransitioned.
 */
export type JourneyTimelineRevisedData = {
  guid: string;
  keep: number;
  transitions: TimelineEntry[];
  /** The event whose arrival revised the timeline. */
  cause_event_id: string | null;
}

export type JourneyCreated = { type: 'JourneyCreated'; data: JourneyCreatedData };
export type TrackingEventLogged = { type: 'TrackingEventLogged'; data: TrackingEvent };
export type JourneyTransitioned = { type: 'JourneyTransitioned'; data: JourneyTransitionedData };
export type JourneyTimelineRevised = { type: 'JourneyTimelineRevised'; data: JourneyTimelineRevisedData };
export type JourneyEvent = JourneyCreated | TrackingEventLogged | JourneyTransitioned | JourneyTimelineRevised;

/** Where a journey's clock starts (event time). */
export const journeyStart = (d: Pick<JourneyCreatedData, 'started_at' | 'created_at'>): string => d.started_at ?? d.created_at;

export const JOURNEY_STREAM_PREFIX = 'journey-';
export const journeyStreamName = (guid: string): string => `${JOURNEY_STREAM_PREFIX}${guid}`;
