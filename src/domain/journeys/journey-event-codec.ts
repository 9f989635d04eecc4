// The journey stream's events as stored, parsed at the log boundary: what the store hands back is checked against
// these schemas instead of being cast. Extra fields pass (later versions may add some); a missing or mistyped
// field is a decoding failure the reader reports (a projection quarantines the event).
import { z } from 'zod';
import { ACTOR_TYPES, CHANNELS } from '../shared/channels.ts';
import type { JourneyEvent } from './journey-events.ts';

const text = z.string();
const nullableText = z.string().nullable();
const payload = z.record(z.string(), z.unknown());

const trackingEvent = z.looseObject({
  event_id: text,
  guid: text,
  event_type: text,
  channel: z.enum(CHANNELS),
  occurred_at: text,
  received_at: text,
  actor: z.looseObject({ type: z.enum(ACTOR_TYPES), id: text.optional() }).nullable(),
  dealer_code: nullableText,
  session_id: nullableText,
  user_id: nullableText,
  details: payload,
});

const riskEvent = z.looseObject({
  component_code: text,
  severity: text,
  risk_score: z.number(),
  timestamp: text,
  failure_probability: z.number().optional(),
});

const journeyCreated = z.looseObject({
  guid: text,
  kind: z.enum(['outreach', 'conversation']),
  created_at: text,
  started_at: text.optional(),
  dealer_code: nullableText,
  vin: nullableText,
  customer_id: nullableText,
  risk_event: riskEvent.nullable(),
  channel: nullableText,
  request_fingerprint: text.optional(),
  platform: text.optional(),
  parent_guid: text.optional(),
  categories: z.looseObject({ department: text.optional(), query_nature: text.optional(), language: text.optional(), priority: z.enum(['low', 'normal', 'high', 'urgent']).optional() }).optional(),
});

const entry = z.looseObject({
  from: text,
  to: text,
  at: text,
  cause_event_id: nullableText,
  trigger: z.enum(['event', 'explicit']),
  reason: nullableText,
  metadata: payload.nullable(),
  fact_id: text.optional(),
});

const SCHEMAS = {
  JourneyCreated: journeyCreated,
  TrackingEventLogged: trackingEvent,
  JourneyTransitioned: entry.extend({ guid: text }),
  JourneyTimelineRevised: z.looseObject({ guid: text, keep: z.number().int().nonnegative(), transitions: z.array(entry), cause_event_id: nullableText }),
} as const;

export type Decoded<T> = { ok: true; event: T } | { ok: false; error: string };

export const JOURNEY_EVENT_TYPES = Object.keys(SCHEMAS) as JourneyEvent['type'][];

/** A stored journey-stream event, typed, or why it cannot be read. */
export const decodeJourneyEvent = (type: string, data: unknown): Decoded<JourneyEvent> => {
  const schema = Object.hasOwn(SCHEMAS, type) ? SCHEMAS[type as keyof typeof SCHEMAS] : undefined;
  if (!schema) return { ok: false, error: `${type} is no journey event` };
  const parsed = schema.safeParse(data);
  if (!parsed.success) return { ok: false, error: `${type}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}` };
  return { ok: true, event: { type, data: parsed.data } as JourneyEvent };
};
