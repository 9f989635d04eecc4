// The dealer-portal API's request and answer schemas (the OpenAPI document and the tests' answer checks use them).
import { z } from 'zod';
import { PORTAL_ACTION_NAME, PORTAL_SESSION_ID } from '../../domain/channels/portal-session.ts';
import { dealerCode, isGuid } from '../../domain/journeys/index.ts';
import { depthOf, MAX_PAYLOAD_DEPTH } from '../../domain/shared/payload-limits.ts';

const time = z.string().meta({ format: 'date-time' });

export const sessionParams = z.strictObject({
  id: z.string().regex(PORTAL_SESSION_ID, 'not a portal session id (ps_ and 20 letters or digits)').meta({ description: 'The portal session id', example: 'ps_4fTq9ZbX0aLm2Rk7cVw1' }),
});

export const sessionIdempotency = z.object({
  'Idempotency-Key': z.string().min(1).max(255).optional().meta({ description: 'Makes a retry answer 200 with the same session (or the same action event)' }),
});

export const startBody = z.strictObject({
  guid: z.string().refine(isGuid, 'not a Threadline GUID (PREFIX-YYYY-MM-DD-CCC-SSS-DEALER-XXXXXX)'),
  user_id: z.string().min(1).max(200).meta({ description: "The dealer user's id in the portal (the actor of the session's events)" }),
  dealer_code: dealerCode,
  role: z.string().min(1).max(50).meta({ example: 'service_advisor' }),
});

export const actionBody = z.strictObject({
  action: z.string().regex(PORTAL_ACTION_NAME, '1 to 100 of a-z, 0-9 and _').meta({ description: 'view_lead, call_customer, schedule_appointment, add_note, or a name of your own (PORTAL_ACTION)' }),
  details: z
    .record(z.string(), z.unknown())
    .refine((v) => depthOf(v) <= MAX_PAYLOAD_DEPTH, `nested deeper than ${MAX_PAYLOAD_DEPTH} levels`)
    .optional()
    .meta({ description: "schedule_appointment needs appointment_id (scheduled_for, service_type optional); add_note takes text (only its length is kept) or note_length" }),
});

export const sessionStarted = z.object({ session_id: z.string(), guid: z.string(), started_at: time, duplicate: z.literal(true).optional() });

export const actionRecorded = z.object({ session_id: z.string(), event_id: z.string(), event_type: z.string(), action: z.string(), at: time, duplicate: z.literal(true).optional() });

export const endAnswer = z.object({ session_id: z.string(), ended_at: time, end_reason: z.string().meta({ description: 'ended or idle' }), changed: z.boolean() });

export const sessionAnswer = z.object({
  session_id: z.string(),
  guid: z.string(),
  user_id: z.string().nullable(),
  dealer_code: z.string().nullable(),
  role: z.string().nullable(),
  started_at: time,
  last_activity_at: time,
  ended_at: time.nullable(),
  end_reason: z.string().nullable(),
  actions: z.array(z.object({ action: z.string(), event_type: z.string(), event_id: z.string(), at: time })),
});
