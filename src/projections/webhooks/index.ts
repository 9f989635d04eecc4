// The webhooks capability's storage: subscriptions (and the dispatcher's delivery state), created at start.
export { prepareWebhookTables } from './webhook-tables.ts';
export { createWebhookSubscriptionsSchema, type WebhookSubscriptionsTable, type WebhookSubscriptionsTables } from './subscriptions-schema.ts';
export {
  activeSubscriptions,
  deleteSubscription,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  markDisabled,
  markFailing,
  rotateSubscriptionSecret,
  setSubscriptionStatus,
  updateSubscription,
  type NewSubscription,
  type SubscriptionChanges,
} from './subscriptions.ts';
export { DELIVERY_STATUSES, type DeliveryStatus, type WebhookDeliveryTables } from './deliveries-schema.ts';
export { relayEnvelopes, relayPosition, type RelayResult } from './deliveries-relay.ts';
export { beat, claimDueDeliveries, disableEndpoint, forgetDispatcher, recordAttempt, releaseDelivery, type AttemptRecord, type ClaimedDelivery, type DeliveryNext } from './deliveries-claim.ts';
export { deliveryCounts, listDeliveries, type AttemptView, type DeliveryPage, type DeliveryView } from './deliveries-list.ts';
export { replayDeliveries, type ReplaySelection } from './deliveries-replay.ts';
