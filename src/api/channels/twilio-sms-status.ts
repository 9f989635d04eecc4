// POST /webhooks/twilio/sms-status: Twilio's delivery status callback for a message sent with
// `StatusCallback=<public URL>/webhooks/twilio/sms-status?guid=<GUID>&message_id=<id>` (the query string names the
// journey and our message, and is signed with the rest). delivered and failed/undelivered are recorded; the
// intermediate statuses are acknowledged without an event.
import { z } from 'zod';
import { isGuid } from '../../domain/journeys/index.ts';
import { toViolations } from '../../domain/shared/violation.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { route } from '../http/route.ts';
import { recordEvents } from './channel-events.ts';
import { MESSAGE_ID } from './sms-prepare.ts';
import { smsEvent } from './sms-events.ts';
import { twilioForm, verifyTwilioRequest } from './twilio-signature.ts';

const statusQuery = z.object({
  guid: z.string().optional().describe('The journey the message was sent for'),
  message_id: z.string().optional().describe('The message_id prepare answered'),
});

const known = z.object({ guid: z.string().refine(isGuid, 'a journey GUID'), message_id: z.string().regex(MESSAGE_ID, 'the message_id prepare answered') });

const statusFields = z.looseObject({
  MessageSid: z.string().regex(/^[A-Z]{2}[0-9a-fA-F]{32}$/, "Twilio's message SID"),
  MessageStatus: z.string().min(1).max(40),
  ErrorCode: z.string().max(20).optional(),
  AccountSid: z.string().max(64).optional(),
});

export const twilioSmsStatus = route({
  method: 'post',
  path: '/webhooks/twilio/sms-status',
  summary: "Twilio's SMS status callback: delivered → SMS_DELIVERED, failed or undelivered → SMS_FAILED",
  description:
    'Set StatusCallback to `<THREADLINE_PUBLIC_URL>/webhooks/twilio/sms-status?guid=<GUID>&message_id=<message_id>` when sending. Signed like the inbound webhook (the query string is part of what Twilio signs). Other statuses (queued, sent, ...) are acknowledged without an event; the same MessageSid and status again are stored once.',
  tags: ['webhooks'],
  query: statusQuery,
  body: twilioForm(statusFields),
  responses: { 204: { description: 'Recorded, or nothing to record' } },
  problems: ['invalid_signature', 'provider_not_configured', 'unknown_guid'],
  scope: 'public',
  handle: async ({ body, query, req, deps, now, http }) => {
    verifyTwilioRequest(deps, req, body);
    const q = known.safeParse(query);
    if (!q.success) throw invalid(toViolations(q.error));
    const f = statusFields.safeParse(body);
    if (!f.success) throw invalid(toViolations(f.error));
    const { guid, message_id } = q.data;
    const { MessageSid: sid, MessageStatus: status, ErrorCode: code } = f.data;
    const at = now();
    const system = { type: 'system' as const };
    const event =
      status === 'delivered'
        ? smsEvent(guid, 'SMS_DELIVERED', `twilio:${sid}:delivered`, at, system, { message_id, provider: 'twilio', twilio_message_sid: sid })
        : status === 'failed' || status === 'undelivered'
          ? smsEvent(guid, 'SMS_FAILED', `twilio:${sid}:${status}`, at, system, { message_id, status, ...(code ? { error_code: code } : {}), provider: 'twilio', twilio_message_sid: sid })
          : null;
    if (!event) return { status: 204 };
    const [result] = await recordEvents(http, [event]);
    if (result!.status === 404) throw new ProblemError('unknown_guid', `No journey with GUID ${guid}: check the StatusCallback URL`);
    return { status: 204 };
  },
});
