// How a subscription is shown, to the API and the CLI alike: everything but its secrets (the create and rotate
// answers add the new one).
import type { WebhookSubscription } from './subscription.ts';

export const subscriptionView = (s: WebhookSubscription, now: Date) => ({
  id: s.id,
  url: s.url,
  events: s.events,
  filter: s.filter,
  description: s.description,
  status: s.status,
  disabled_reason: s.disabled_reason,
  failing_since: s.failing_since?.toISOString() ?? null,
  // An overlap that ended is no longer a rotation in progress.
  previous_secret_expires_at: s.previous_secret_expires_at && s.previous_secret_expires_at > now ? s.previous_secret_expires_at.toISOString() : null,
  created_at: s.created_at.toISOString(),
  updated_at: s.updated_at.toISOString(),
});
