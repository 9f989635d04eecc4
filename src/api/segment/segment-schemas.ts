// The Segment endpoints' answers: Segment's own `{ success: true }`, with what Threadline stored or refused.
import { z } from 'zod';

export const messageLogged = z.object({
  success: z.literal(true),
  event_id: z.string().meta({ description: "The message's messageId (or one drawn for it)" }),
  duplicate: z.literal(true).optional().meta({ description: 'This messageId was stored before: stored once' }),
});

const violation = z.object({ path: z.string(), message: z.string() });
const messageId = z.string().nullable().meta({ description: 'The messageId as sent, when it is text' });

export const batchLogged = z.object({
  success: z.boolean().meta({ description: 'true when every message was stored or was a duplicate; false when a result says why one was not' }),
  accepted: z.number().int(),
  rejected: z.number().int(),
  results: z.array(
    z.union([
      z.object({ index: z.number().int(), message_id: messageId, success: z.literal(true), status: z.union([z.literal(200), z.literal(201)]), event_id: z.string(), duplicate: z.literal(true).optional() }),
      z.object({ index: z.number().int(), message_id: messageId, success: z.literal(false), status: z.literal(400), code: z.literal('validation_failed'), violations: z.array(violation) }),
      z.object({ index: z.number().int(), message_id: messageId, success: z.literal(false), status: z.union([z.literal(404), z.literal(413)]), code: z.enum(['unknown_guid', 'payload_too_large']), detail: z.string() }),
    ]),
  ),
});
