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

export type JourneyCreatedData = {
  guid: string;
  kind: JourneyKind;
  created_at: string;
  dealer_code: string | null;
  vin: string | null;
  customer_id: string | null;
  risk_event: RiskEvent | null;
  channel: string | null;
  /** A hash of the request that opened the journey, so that a retry of it recognises the journey as its own. */
  request_fingerprint?: string;
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
}

export type JourneyCreated = { type: 'JourneyCreated'; data: JourneyCreatedData };
export type TrackingEventLogged = { type: 'TrackingEventLogged'; data: TrackingEvent };
export type JourneyTransitioned = { type: 'JourneyTransitioned'; data: JourneyTransitionedData };
export type JourneyEvent = JourneyCreated | TrackingEventLogged | JourneyTransitioned;

export const JOURNEY_STREAM_PREFIX = 'journey-';
export const journeyStreamName = (guid: string): string => `${JOURNEY_STREAM_PREFIX}${guid}`;
