// POST /webhooks/twilio/sms: Twilio's inbound SMS webhook. Signed (X-Twilio-Signature) or refused before anything is
// stored; the reply is matched to a journey, classified, and recorded with what it derives in one atomic append,
// or kept as unmatched; answered with empty TwiML once durable.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { contactHash, hashAddress } from '../../application/channels/index.ts';
import { classifyReply, guidsInReply, replyKeyword, stopCodeOf, truncateText } from '../../domain/channels/index.ts';
import { toViolations } from '../../domain/shared/violation.ts';
import { insertUnmatchedReply, journeyByPrefix, latestJourneyPerDealer, openJourneyOfContact, unmatchedReplyBySid } from '../../projections/channels/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import type { AppDeps } from '../http/deps.ts';
import { invalid } from '../http/problems.ts';
import { route, type HttpRuntime } from '../http/route.ts';
import { recordEvents } from './channel-events.ts';
import { consentEvents, replyEvents, type InboundReply } from './sms-events.ts';
import { twilioForm, verifyTwilioRequest } from './twilio-signature.ts';

/** How much of a reply is kept: enough to read what was asked, short of a message's full content. */
export const REPLY_TEXT_MAX = 200;

export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** The fields of Twilio's inbound message webhook this route reads (Twilio sends more; all of them are signed). */
const inboundFields = z.looseObject({
  MessageSid: z.string().regex(/^[A-Z]{2}[0-9a-fA-F]{32}$/, "Twilio's message SID (SM + 32 hex digits)"),
  AccountSid: z.string().max(64).optional(),
  From: z.string().min(1).max(64),
  To: z.string().max(64).default(''),
  Body: z.string().default(''),
  NumMedia: z.string().max(4).optional(),
});

const replyOf = (deps: AppDeps, f: z.infer<typeof inboundFields>, at: Date): InboundReply & { to: string } => ({
  messageSid: f.MessageSid,
  // A sender that is no E.164 number (a short code, a channel address) is still kept as a keyed hash, never in clear.
  fromHash: hashAddress(deps.channels.secret, 'phone', f.From) ?? contactHash(deps.channels.secret, 'phone', f.From.trim()),
  to: f.To,
  text: truncateText(f.Body, REPLY_TEXT_MAX),
  keyword: truncateText(replyKeyword(f.Body), 50),
  bodyLength: f.Body.length,
  classification: classifyReply(f.Body),
  receivedAt: at,
});

/** The matching order (docs/channels.md): a GUID in the text, the journey `STOP-<code>` names, the sender's open journey. */
const candidatesOf = async (deps: AppDeps, body: string, r: InboundReply): Promise<string[]> => {
  const found = guidsInReply(body);
  const code = stopCodeOf(body);
  if (code) {
    const byCode = await journeyByPrefix(narrow(deps.db), code, r.fromHash);
    if (byCode) found.push(byCode);
  }
  const open = await openJourneyOfContact(narrow(deps.db), 'phone', r.fromHash);
  if (open) found.push(open);
  return [...new Set(found)];
};

/** Tries each candidate in order (a GUID that names no journey answers 404: the next one is tried); the journey taken, or null. */
const recordOnFirst = async (http: HttpRuntime, candidates: readonly string[], r: InboundReply): Promise<string | null> => {
  for (const guid of candidates) {
    const [first] = await recordEvents(http, replyEvents(guid, r));
    if (first!.status !== 404) return guid;
  }
  return null;
};

/**
 * An opt-out (or opt-in) no journey took still has to hold wherever the number is known: the reply goes on the
 * latest of those journeys, and the consent event on each dealer's latest (the `To` number names no dealer).
 */
const recordConsentEverywhere = async (deps: AppDeps, http: HttpRuntime, r: InboundReply): Promise<boolean> => {
  if (r.classification !== 'OPT_OUT' && r.classification !== 'OPT_IN') return false;
  const guids = await latestJourneyPerDealer(narrow(deps.db), 'phone', r.fromHash);
  if (guids.length === 0) return false;
  const [first, ...others] = guids;
  const results = await recordEvents(http, [...replyEvents(first!, r), ...others.flatMap((g) => consentEvents(g, r))]);
  return results.some((x) => x.status !== 404);
};

export const twilioSmsWebhook = route({
  method: 'post',
  path: '/webhooks/twilio/sms',
  summary: "Twilio's inbound SMS webhook (set it as the number's Messaging webhook, HTTP POST)",
  description:
    "Verifies X-Twilio-Signature against THREADLINE_PUBLIC_URL + the path (403 invalid_signature, nothing stored; 503 when TWILIO_AUTH_TOKEN is unset). The reply is matched (a GUID in the text, `STOP-<code>`, else the sender's most recent open journey), classified (OPT_OUT, OPT_IN, HELP, APPOINTMENT_REQUEST, QUESTION, OTHER) and recorded as SMS_RECEIVED plus the opt-out, opt-in or routing it derives; a reply no journey takes is kept for GET /api/v2/channels/sms/unmatched. The same MessageSid again is stored once. Answers empty TwiML once durable.",
  tags: ['webhooks'],
  body: twilioForm(inboundFields),
  responses: { 200: { description: 'Stored (or stored before): empty TwiML, no reply is sent', contentType: 'text/xml' } },
  problems: ['invalid_signature', 'provider_not_configured'],
  scope: 'public',
  handle: async ({ body, req, deps, now, http }) => {
    verifyTwilioRequest(deps, req, body);
    const parsed = inboundFields.safeParse(body);
    if (!parsed.success) throw invalid(toViolations(parsed.error));
    const reply = replyOf(deps, parsed.data, now());
    const twiml = { status: 200, body: EMPTY_TWIML };
    // Kept as unmatched before: a redelivery stays there, stored once.
    if (await unmatchedReplyBySid(narrow(deps.db), reply.messageSid)) return twiml;
    if (await recordOnFirst(http, await candidatesOf(deps, parsed.data.Body, reply), reply)) return twiml;
    if (await recordConsentEverywhere(deps, http, reply)) return twiml;
    await insertUnmatchedReply(narrow(deps.db), {
      id: randomUUID(),
      message_sid: reply.messageSid,
      from_hash: reply.fromHash,
      to_number: reply.to,
      text: reply.text,
      keyword: reply.keyword,
      body_length: reply.bodyLength,
      classification: reply.classification,
      received_at: reply.receivedAt,
      attached_guid: null,
      attached_at: null,
    });
    return twiml;
  },
});
