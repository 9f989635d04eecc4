// Builders for the events a spec is given: the journey events exactly as the journey stream stores them.
import type { JourneyCreatedData, JourneyTimelineRevisedData, TimelineEntry } from '../../../src/domain/journeys/index.ts';
import type { Channel } from '../../../src/domain/shared/channels.ts';
import type { LoggedEvent } from '../../../src/eventstore/index.ts';

export interface GivenEvent {
  stream: string;
  type: string;
  data: Record<string, unknown>;
}

export const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';
export const OTHER = 'FORD-2024-12-07-BRK-HIG-DET002-0F0F0F';

/** A time on day `day` of December 2024, the appendix journey's month: T(7, '10:15'). */
export const T = (day: number, time: string) => `2024-12-${String(day).padStart(2, '0')}T${time}:00.000Z`;

const stream = (guid: string) => `journey-${guid}`;

export const created = (guid: string, at: string, more: Partial<JourneyCreatedData> = {}): GivenEvent => ({
  stream: stream(guid),
  type: 'JourneyCreated',
  data: {
    guid,
    kind: 'outreach',
    created_at: '2026-11-30T09:00:00.000Z',
    started_at: at,
    dealer_code: guid.split('-').at(-2)!,
    vin: '1FTFW1E50PFA00001',
    customer_id: 'C-1',
    risk_event: { component_code: 'BAT', severity: 'CRITICAL', risk_score: 0.9, timestamp: at },
    channel: null,
    ...more,
  },
});

export const logged = (guid: string, id: string, eventType: string, channel: Channel, at: string, details: Record<string, unknown> = {}): GivenEvent => ({
  stream: stream(guid),
  type: 'TrackingEventLogged',
  data: {
    event_id: id,
    guid,
    event_type: eventType,
    channel,
    occurred_at: at,
    received_at: '2026-11-30T09:30:00.000Z',
    actor: null,
    dealer_code: null,
    session_id: null,
    user_id: null,
    details,
  },
});

/** A move implied by the tracking event `cause`, or an explicit one (cause null) with its reason. */
export const move = (from: string, to: string, at: string, cause: string | null, reason: string | null = null): TimelineEntry => ({
  from,
  to,
  at,
  cause_event_id: cause,
  trigger: cause ? 'event' : 'explicit',
  reason,
  metadata: null,
  ...(cause ? {} : { fact_id: `request-${to}` }),
});

export const moved = (guid: string, entry: TimelineEntry): GivenEvent => ({ stream: stream(guid), type: 'JourneyTransitioned', data: { guid, ...entry } });

export const revised = (guid: string, data: Omit<JourneyTimelineRevisedData, 'guid'>): GivenEvent => ({ stream: stream(guid), type: 'JourneyTimelineRevised', data: { guid, ...data } });

/** Given events as the log would hand them to a projection: positions 1, 2, … in the order given. */
export const asLogged = (given: readonly GivenEvent[]): LoggedEvent[] =>
  given.map((e, i) => ({
    position: { token: String(i + 1), globalPosition: BigInt(i + 1) },
    streamId: e.stream,
    streamPosition: BigInt(i),
    type: e.type,
    data: e.data,
    recordedAt: new Date('2026-11-30T09:30:00Z'),
  }));
