// The journeys API's schemas besides the command bodies (src/domain/journeys/journey-requests.ts): path and query
// parameters, headers, and every answer's shape (the OpenAPI document and the tests' answer checks use them).
import { z } from 'zod';
import { CHANNELS } from '../../domain/shared/channels.ts';
import { isGuid } from '../../domain/journeys/guid.ts';
import { dealerCode, isoTime } from '../../domain/journeys/journey-requests.ts';

export const guidParams = z.strictObject({
  guid: z.string().refine(isGuid, 'not a Threadline GUID').meta({ description: 'The journey GUID', example: 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2' }),
});

export const idempotencyHeaders = z.object({
  'Idempotency-Key': z.string().min(1).max(255).optional().meta({ description: 'Makes a retry answer 200 with the same GUID' }),
});

export const listJourneysQuery = z.strictObject({
  state: z.string().max(64).optional(),
  dealer_code: dealerCode.optional(),
  kind: z.enum(['outreach', 'conversation']).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

export const auditQuery = z.strictObject({ from: isoTime.optional(), to: isoTime.optional() });

/** A page of one journey's events; the summary and analytics always describe the whole journey. */
export const journeyQuery = z.strictObject({
  events_limit: z.coerce.number().int().min(1).max(1000).default(300),
  events_cursor: z.string().max(500).optional(),
  events_order: z.enum(['asc', 'desc']).default('asc'),
});

const time = z.string().meta({ format: 'date-time' });
const nullableTime = time.nullable();

export const guidIssued = z.object({ guid: z.string(), tracking_url: z.string() });

export const eventLogged = z.object({ success: z.literal(true), event_id: z.string(), duplicate: z.literal(true).optional() });

const violation = z.object({ path: z.string(), message: z.string() });
export const batchLogged = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  results: z.array(
    z.union([
      z.object({ index: z.number().int(), success: z.literal(true), status: z.union([z.literal(200), z.literal(201)]), event_id: z.string(), duplicate: z.literal(true).optional() }),
      z.object({ index: z.number().int(), success: z.literal(false), status: z.literal(400), code: z.literal('validation_failed'), violations: z.array(violation) }),
      z.object({ index: z.number().int(), success: z.literal(false), status: z.union([z.literal(404), z.literal(503)]), code: z.enum(['unknown_guid', 'store_unavailable']), detail: z.string() }),
    ]),
  ),
});

export const transitioned = z.union([
  z.object({ success: z.literal(true), changed: z.literal(true), from: z.string(), to: z.string(), at: time }),
  z.object({ success: z.literal(true), changed: z.literal(false), to: z.string() }),
]);

export const journeySummary = z.object({
  guid: z.string(),
  kind: z.enum(['outreach', 'conversation']),
  vin: z.string().nullable(),
  customer_id: z.string().nullable(),
  dealer_code: z.string().nullable(),
  component_code: z.string().nullable(),
  severity: z.string().nullable(),
  risk_score: z.number().nullable(),
  failure_probability: z.number().nullable(),
  risk_event_at: nullableTime,
  created_at: time.meta({ description: 'Event time at which the journey started (its risk event, its conversation start)' }),
  issued_at: time.meta({ description: 'When the GUID was issued' }),
  first_contact: nullableTime,
  last_contact: nullableTime,
  last_event_at: time,
  total_touches: z.number().int(),
  total_events: z.number().int(),
  channels_used: z.array(z.string()),
  current_state: z.string(),
  state_entered_at: time,
  converted_at: nullableTime,
  conversion_channel: z.string().nullable(),
  appointment_id: z.string().nullable(),
  revenue_realized: z.number().nullable(),
});

const journeyEvent = z.object({
  event_id: z.string(),
  event_type: z.string(),
  channel: z.enum(CHANNELS),
  occurred_at: time,
  received_at: time,
  actor: z.object({ type: z.string(), id: z.string().optional() }).nullable(),
  dealer_code: z.string().nullable(),
  session_id: z.string().nullable(),
  user_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).meta({ description: 'As sent; integers beyond 2^53 exactly' }),
  is_touch: z.boolean(),
  direction: z.string(),
  global_position: z.number().int(),
});

const journeyTransition = z.object({
  from: z.string().nullable(),
  to: z.string(),
  entered_at: time,
  left_at: nullableTime,
  duration_seconds: z.number().nullable(),
  trigger: z.string(),
  cause_event_id: z.string().nullable(),
  reason: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});

const journeyAnalytics = z.looseObject({
  total_duration: z.number(),
  touchpoints: z.number().int(),
  channels_engaged: z.array(z.string()),
  response_times: z.looseObject({ count: z.number().int(), average_seconds: z.number().nullable(), median_seconds: z.number().nullable(), samples: z.array(z.looseObject({})) }),
  time_in_state: z.record(z.string(), z.number()),
  as_of: time,
  conversion_attribution: z.record(z.string(), z.record(z.string(), z.number())).nullable(),
  conversion_probability: z.number().nullable(),
  journey_score: z.number().nullable(),
  drop_off_points: z.array(z.looseObject({})),
  channel_metrics: z.record(z.string(), z.looseObject({})),
});

export const journeyAnswer = z.object({
  guid: z.string(),
  events: z.array(journeyEvent),
  events_page: z.object({ limit: z.number().int(), order: z.enum(['asc', 'desc']), total: z.number().int(), next_cursor: z.string().nullable() }),
  summary: journeySummary,
  transitions: z.array(journeyTransition),
  analytics: journeyAnalytics,
  degraded: z.boolean().meta({ description: 'An event of this journey is quarantined: its rows are incomplete until a rebuild applies it' }),
  quarantined_events: z.array(z.object({ stream_position: z.number().int(), event_type: z.string(), error: z.string() })).optional(),
});

export const journeyList = z.object({ journeys: z.array(journeySummary), next_cursor: z.string().nullable() });
