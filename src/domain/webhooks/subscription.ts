// A webhook subscription as the rest of the product sees it: where to send, what to send, and how to sign.
import type { LiveEventName } from '../live/index.ts';

export type SubscriptionStatus = 'active' | 'paused' | 'disabled';

/** Narrows what a subscription receives; an absent field means everything. */
export interface SubscriptionFilter {
  dealer_code?: string;
  kind?: string;
  /** Tracking event types (UPPER_SNAKE): an `event.logged` envelope is sent only for these. */
  event_types?: string[];
}

export interface WebhookSubscription {
  id: string;
  url: string;
  /** Live event names, or `['*']` for every one (including names added later). */
  events: (LiveEventName | '*')[];
  filter: SubscriptionFilter;
  description: string | null;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  /** `whsec_` + base64 of the key bytes (the Standard Webhooks format). */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  failing_since: Date | null;
}

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_ID_PREFIX = 'wh_';
