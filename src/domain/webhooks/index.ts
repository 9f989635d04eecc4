// The webhooks capability's domain: subscriptions, which envelopes they receive, and which addresses may be called.
export * from './subscription.ts';
export * from './subscription-match.ts';
export * from './address-ranges.ts';
export * from './retry-schedule.ts';
export * from './delivery-rules.ts';
export { subscriptionView } from './subscription-view.ts';
