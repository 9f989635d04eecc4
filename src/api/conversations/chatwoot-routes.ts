// POST /webhooks/chatwoot: Chatwoot's webhook, pointed at Threadline unchanged. Verified first (its signature, or the
// opt-in URL token of older versions), then mapped by the conversations domain (docs/conversations.md "Chatwoot"):
// the conversation's journey found or opened, its events stored once however often Chatwoot delivers them.
import { z } from 'zod';
import { mapChatwootEvent, type ChatwootTrackingEvent } from '../../domain/conversations/index.ts';
import { invalid } from '../http/problems.ts';
import { route, type AnyRoute } from '../http/route.ts';
import { journeyOfConversation, lastTeamOf, recordOnJourney, trackingEventsOf } from './chatwoot-journey.ts';
import { CHATWOOT_SIGNATURE_HEADER, CHATWOOT_TIMESTAMP_HEADER, chatwootSettings, verifyChatwootRequest } from './chatwoot-signature.ts';

const answer = z.object({
  event: z.string().nullable().meta({ description: "Chatwoot's event name" }),
  guid: z.string().nullable().meta({ description: "The conversation's journey; null when the event was ignored" }),
  accepted: z.number().int().meta({ description: 'Conversation events stored now' }),
  duplicates: z.number().int().meta({ description: 'Events stored before (a redelivery, or the same fact told by another event)' }),
  skipped: z.number().int().meta({ description: "Events not stored: dated too far ahead of the server's clock" }),
  ignored: z.enum(['unmapped_event', 'invalid_dealer_code']).nullable().meta({ description: 'Why the event stored nothing: an event Threadline does not map, or a dealer_code attribute that is no dealer code' }),
});

const chatwootBody = z
  .looseObject({
    event: z.string().meta({ description: 'conversation_created, conversation_status_changed, conversation_updated, message_created are mapped; the others are answered 200 and ignored' }),
  })
  .meta({ description: "Chatwoot's webhook payload: the conversation object, or for message_created the message object with its conversation" });

/** Anything that parses as JSON: nothing about the body is judged before its signature is. */
const signedBody = { schema: chatwootBody, parse: (input: unknown) => ({ ok: true as const, value: input }) };

/** A hand-over's previous team as the journey knew it, when Chatwoot names only its id (and not when it is the new one). */
const withFromTeam = async (events: ChatwootTrackingEvent[], team: (at: string) => Promise<string | null>): Promise<ChatwootTrackingEvent[]> =>
  Promise.all(
    events.map(async (e) => {
      if (!e.fromTeamFromJourney) return e;
      const from = await team(e.occurred_at);
      return from && from !== e.details['to_team'] ? { ...e, details: { ...e.details, from_team: from } } : e;
    }),
  );

export const chatwootWebhook = route({
  method: 'post',
  path: '/webhooks/chatwoot',
  summary: "Chatwoot's webhook: conversations, their messages, bot hand-offs, assignments and hand-overs onto conversation journeys",
  description:
    `Set this URL as a webhook in Chatwoot (Settings → Integrations → Webhooks) with conversation_created, conversation_status_changed, conversation_updated and message_created. ` +
    `${CHATWOOT_SIGNATURE_HEADER} (sha256= HMAC-SHA256 of \`${CHATWOOT_TIMESTAMP_HEADER}.body\` with CHATWOOT_WEBHOOK_SECRET) is checked, and a timestamp more than 25 h old or 10 min ahead is refused (403, nothing stored); Chatwoot before 4.11.2 signs nothing and needs CHATWOOT_WEBHOOK_URL_TOKEN as \`?token=\`. ` +
    'Each Chatwoot conversation is one journey (Idempotency-Key `chatwoot:<account>:<conversation>`, dealer from its `dealer_code` custom attribute or CHATWOOT_DEALER_CODE); event ids come from Chatwoot\'s ids and times, so a redelivery is stored once. Events Threadline does not map answer 200 and store nothing.',
  tags: ['webhooks'],
  headers: z.object({
    [CHATWOOT_SIGNATURE_HEADER]: z.string().optional().meta({ description: 'sha256=<hex HMAC-SHA256>' }),
    [CHATWOOT_TIMESTAMP_HEADER]: z.string().optional().meta({ description: 'Epoch seconds of the delivery attempt' }),
  }),
  query: z.object({ token: z.string().max(512).optional().meta({ description: 'CHATWOOT_WEBHOOK_URL_TOKEN, for Chatwoot versions that do not sign' }) }),
  body: signedBody,
  responses: { 200: { description: 'Stored once durable (or ignored): what became of the event', schema: answer } },
  problems: ['invalid_signature', 'provider_not_configured', 'validation_failed', 'overloaded'],
  scope: 'public',
  handle: async ({ req, res, query, deps, now, http, touched }) => {
    const at = now();
    const settings = chatwootSettings(deps);
    verifyChatwootRequest(settings, req, query.token, at);
    const plan = mapChatwootEvent(req.body, { defaultDealer: settings.dealerCode });
    if (plan.kind === 'invalid') throw invalid(plan.violations);
    const none = { accepted: 0, duplicates: 0, skipped: 0 };
    if (plan.kind === 'ignored') {
      if (plan.reason !== 'unmapped_event') deps.logger.warn({ reason: plan.reason, detail: plan.detail }, 'Chatwoot event not stored');
      const event = typeof req.body === 'object' && req.body !== null ? (req.body as { event?: unknown }).event : undefined;
      return { status: 200, body: { event: typeof event === 'string' ? event : null, guid: null, ...none, ignored: plan.reason } };
    }
    const guid = await journeyOfConversation(deps, plan.conversation, at);
    touched(guid);
    // Facts are not dropped for being late; one from the future is a clock far off, and is left out.
    const latest = at.getTime() + deps.config.maxFutureSkewMs;
    const timely = plan.events.filter((e) => Date.parse(e.occurred_at) <= latest);
    const named = await withFromTeam(timely, (before) => lastTeamOf(deps, guid, before));
    const results = await recordOnJourney(http, res, guid, trackingEventsOf(guid, named, at));
    const missing = results.filter((r) => r.status === 404).length;
    if (missing > 0) deps.logger.warn({ guid, key: plan.conversation.key }, 'Chatwoot conversation key names a journey that does not exist');
    return {
      status: 200,
      body: {
        event: plan.event,
        guid,
        accepted: results.filter((r) => r.status === 201).length,
        duplicates: results.filter((r) => r.status === 200).length,
        skipped: plan.events.length - timely.length + missing,
        ignored: null,
      },
    };
  },
});

export const chatwootRoutes: readonly AnyRoute[] = [chatwootWebhook] as AnyRoute[];
