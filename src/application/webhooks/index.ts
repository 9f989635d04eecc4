// The webhooks capability's use cases: destination checks against SSRF, and the subscription secrets.
export { checkDestination, DestinationRefusedError, refusalOf, safeLookup, systemResolver, type DestinationCheck, type Resolver } from './ssrf.ts';
export { newSubscriptionId, newWebhookSecret } from './webhook-secrets.ts';
export { sendWebhook, webhookHeaders, WEBHOOK_TIMEOUT_MS, WEBHOOK_USER_AGENT, type OutgoingWebhook, type SendOptions, type SendResult } from './send-webhook.ts';
