// The email providers' event webhooks (SendGrid, Mailgun): signature first, then the provider's adapter
// (src/domain/channels/providers/), then the events onto their journeys (docs/channels.md).
import { z } from 'zod';
import { mailgunAdapter, sendgridAdapter } from '../../domain/channels/index.ts';
import { rawBodyOf } from '../http/json-body.ts';
import { invalid } from '../http/problems.ts';
import { route, type AnyRoute, type BodyDeclaration } from '../http/route.ts';
import { ingestProviderBatch, providerEventsAnswer } from './providers/email-event-ingest.ts';
import { verifyMailgunRequest } from './providers/mailgun-signature.ts';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, SIGNATURE_MAX_AGE_S, verifySendgridRequest } from './providers/sendgrid-signature.ts';

/**
 * Any JSON here: nothing about the body is judged before its signature is, so that a request that is not the
 * provider's is always a 403 and says nothing about what a valid body would be.
 */
const signedBody = (schema: z.ZodType): BodyDeclaration<unknown> => ({ schema, parse: (input) => ({ ok: true, value: input }) });

const PROBLEMS = ['invalid_signature', 'provider_not_configured', 'validation_failed', 'overloaded'] as const;
const ANSWER = { 200: { description: 'Stored once durable: counts of the events stored, stored before and skipped', schema: providerEventsAnswer } };

const sendgridEvent = z
  .looseObject({
    event: z.string().meta({ description: 'processed, delivered, open, click, bounce, dropped, spamreport, unsubscribe, group_unsubscribe, group_resubscribe (others are skipped)' }),
    sg_event_id: z.string(),
    timestamp: z.number().meta({ description: 'Epoch seconds' }),
    email: z.string().optional(),
    guid: z.string().optional().meta({ description: 'custom_args.guid sent with the message: the journey GUID' }),
    message_id: z.string().optional().meta({ description: "custom_args.message_id: Threadline's message id from email prepare" }),
  })
  .meta({ description: "One SendGrid event; the sender's custom_args are top-level fields" });

export const sendgridEvents = route({
  method: 'post',
  path: '/webhooks/sendgrid/events',
  summary: "SendGrid's Event Webhook: delivery and engagement events onto their journeys",
  description:
    `Signed Event Webhook only: the ECDSA signature (${SENDGRID_SIGNATURE_HEADER}) of ${SENDGRID_TIMESTAMP_HEADER} plus the raw body is checked with SENDGRID_WEBHOOK_PUBLIC_KEY, and a timestamp more than ${SIGNATURE_MAX_AGE_S} s off is refused. ` +
    'Each event goes to the journey its `guid` custom arg names, or else to the open journey that has the recipient\'s address; events with neither, with an unknown GUID or of an unmapped type (deferred) are skipped and counted. ' +
    'The idempotency key is `sendgrid:<sg_event_id>` (a `processed` with `message_id` uses `email:<message_id>:sent`, the key of the send email prepare recorded). A store failure answers 503, which SendGrid retries.',
  tags: ['channels'],
  headers: z.object({
    [SENDGRID_SIGNATURE_HEADER]: z.string().optional().meta({ description: 'Base64 ECDSA signature' }),
    [SENDGRID_TIMESTAMP_HEADER]: z.string().optional().meta({ description: 'Epoch seconds the signature was made at' }),
  }),
  body: signedBody(z.array(sendgridEvent)),
  responses: ANSWER,
  problems: [...PROBLEMS],
  scope: 'public',
  handle: async ({ req, res, deps, now, http }) => {
    const at = now();
    verifySendgridRequest(deps, req, at);
    const parsed = sendgridAdapter.parse(req.body);
    if (!parsed.ok) throw invalid(parsed.violations);
    return { status: 200, body: await ingestProviderBatch(deps, http, res, 'sendgrid', parsed.value, at) };
  },
});

const mailgunBody = z
  .looseObject({
    signature: z.object({ timestamp: z.string(), token: z.string(), signature: z.string().meta({ description: 'Hex HMAC-SHA256 of timestamp + token with the HTTP webhook signing key' }) }),
    'event-data': z.looseObject({
      event: z.string().meta({ description: 'accepted, delivered, opened, clicked, failed, complained, unsubscribed (others are skipped)' }),
      id: z.string(),
      timestamp: z.number().meta({ description: 'Epoch seconds' }),
      recipient: z.string().optional(),
      'user-variables': z.looseObject({ guid: z.string().optional(), message_id: z.string().optional() }).optional().meta({ description: 'The `v:guid` and `v:message_id` variables sent with the message' }),
    }),
  })
  .meta({ description: 'One Mailgun webhook event' });

export const mailgunEvents = route({
  method: 'post',
  path: '/webhooks/mailgun/events',
  summary: "Mailgun's webhooks: one delivery or engagement event onto its journey",
  description:
    `HMAC-SHA256 of signature.timestamp + signature.token with MAILGUN_WEBHOOK_SIGNING_KEY, compared in constant time; a timestamp more than ${SIGNATURE_MAX_AGE_S} s off is refused, and so is a token seen before with another body (per process). ` +
    "The journey is the `v:guid` user variable, or else the open journey that has the recipient's address. The idempotency key is `mailgun:<event-data.id>` (an `accepted` with `v:message_id` uses `email:<message_id>:sent`). " +
    'A skipped event (unmapped type, no or unknown GUID) answers 200, so that Mailgun does not retry it; a store failure answers 503, which Mailgun retries.',
  tags: ['channels'],
  body: signedBody(mailgunBody),
  responses: ANSWER,
  problems: [...PROBLEMS],
  scope: 'public',
  handle: async ({ req, res, deps, now, http }) => {
    const at = now();
    verifyMailgunRequest(deps, req.body, rawBodyOf(req), at);
    const parsed = mailgunAdapter.parse(req.body);
    if (!parsed.ok) throw invalid(parsed.violations);
    return { status: 200, body: await ingestProviderBatch(deps, http, res, 'mailgun', parsed.value, at) };
  },
});

export const espWebhookRoutes: readonly AnyRoute[] = [sendgridEvents, mailgunEvents] as AnyRoute[];
