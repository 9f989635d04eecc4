// Twilio Voice status callbacks: the call's progress and outcome onto the journey the StatusCallback URL names
// (?guid=), signed by Twilio (docs/channels.md). The mapping is src/domain/channels/twilio-voice.ts.
import { z } from 'zod';
import { parseVoiceStatus, voiceStatusFields, voiceTrackingEvent } from '../../domain/channels/index.ts';
import { isGuid, parseGuid } from '../../domain/journeys/index.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { route, type AnyRoute } from '../http/route.ts';
import { recordEvents } from './channel-events.ts';
import { verifyTwilioRequest } from './twilio-signature.ts';

/** Twilio reads nothing from a status callback's answer; an empty TwiML document is what its docs show. */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const text = z.string().optional();
/** The call details the sender adds to the StatusCallback URL. Checked after the signature (they are signed with the URL). */
const voiceQuery = z.looseObject({
  guid: text.meta({ description: 'The journey GUID (required, here or in the body)' }),
  agent_id: text,
  disposition: text,
  appointment_scheduled: text.meta({ description: 'true or false' }),
  callback_requested: text.meta({ description: 'true or false' }),
  sentiment_score: text.meta({ description: 'A number from -1 to 1' }),
});

export const voiceStatus = route({
  method: 'post',
  path: '/webhooks/twilio/voice-status',
  summary: "Twilio Voice status callback: a call's progress and outcome onto its journey",
  description:
    'Set as the StatusCallback of an outbound call, with `?guid=<GUID>` (and optionally agent_id, disposition, appointment_scheduled, callback_requested, sentiment_score). ' +
    'X-Twilio-Signature is checked with TWILIO_AUTH_TOKEN over THREADLINE_PUBLIC_URL plus the path and query. initiated → CALL_INITIATED, ringing → CALL_RINGING, in-progress → CALL_ANSWERED, ' +
    'completed/busy/no-answer/failed/canceled → CALL_COMPLETED with its outcome; the idempotency key is `twilio:<CallSid>:<CallStatus>`. Twilio does not retry status callbacks: ' +
    'a missing or malformed GUID answers 400 and an unknown one 404, so that the Twilio Console\'s debugger shows the misconfigured URL; other statuses (queued) answer 200 and store nothing.',
  tags: ['channels'],
  query: voiceQuery,
  body: { schema: voiceStatusFields, mediaType: 'form', parse: (input) => ({ ok: true, value: (input ?? {}) as Record<string, string> }) },
  responses: { 200: { description: 'Stored (or stored before, or a status that is not stored): empty TwiML', contentType: 'text/xml' } },
  problems: ['invalid_signature', 'provider_not_configured', 'validation_failed', 'unknown_guid'],
  scope: 'public',
  handle: async ({ query, body, req, deps, now, http }) => {
    verifyTwilioRequest(deps, req, body);
    // Twilio's own fields are in the body; the sender's details may be in either, the body's winning.
    const parsed = parseVoiceStatus({ ...query, ...body });
    if (!parsed.ok) throw invalid(parsed.violations);
    const s = parsed.value;
    if (!s.guid || !isGuid(s.guid)) throw invalid([{ path: 'guid', message: 'the StatusCallback URL must carry ?guid=<a Threadline GUID>' }]);
    const event = voiceTrackingEvent(s, { guid: s.guid, dealerCode: parseGuid(s.guid)?.dealer ?? null, receivedAt: now().toISOString() });
    if (event) {
      const [result] = await recordEvents(http, [event]);
      if (result!.status === 404) throw new ProblemError('unknown_guid', `No journey with GUID ${s.guid}`);
    } else deps.logger.info({ call: s.CallSid, status: s.CallStatus }, 'twilio voice status not stored');
    return { status: 200, body: EMPTY_TWIML };
  },
});

export const voiceRoutes: readonly AnyRoute[] = [voiceStatus] as AnyRoute[];
