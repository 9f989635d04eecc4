// Which envelopes a subscription receives, and which secrets sign them now. Pure, so that the dispatcher, replay
// and the tests agree on one rule.
import type { WebhookSubscription } from './subscription.ts';

/** The facts of an envelope a subscription filters on (the outbox row has them without parsing the payload). */
export interface EnvelopeFacts {
  type: string;
  dealer_code: string | null;
  kind: string;
  /**
   * The tracking event type of an `event.logged` envelope (its `data.event_type`): pass it, or the envelope's `data`,
   * when a subscription may filter on `event_types`; without either such a subscription is not sent the envelope.
   */
  event_type?: string | null;
  data?: Record<string, unknown>;
}

type Matchable = Pick<WebhookSubscription, 'events' | 'filter'>;

export const subscriptionMatches = (sub: Matchable, envelope: EnvelopeFacts): boolean => {
  const events: readonly string[] = sub.events;
  if (!events.includes('*') && !events.includes(envelope.type)) return false;
  const f = sub.filter;
  if (f.dealer_code !== undefined && f.dealer_code !== envelope.dealer_code) return false;
  if (f.kind !== undefined && f.kind !== envelope.kind) return false;
  // event_types narrows the logged events only: a state change is not a tracking event and is never filtered out by it.
  if (f.event_types !== undefined && f.event_types.length > 0 && envelope.type === 'event.logged') {
    const eventType = envelope.event_type ?? envelope.data?.['event_type'];
    if (typeof eventType !== 'string' || !f.event_types.includes(eventType)) return false;
  }
  return true;
};

/**
 * The secrets to sign with at `now`: the current one first, then the replaced one while its overlap lasts, so a
 * receiver that still holds the old secret verifies one of the signatures (Standard Webhooks sends them space-separated).
 */
export const signingSecrets = (sub: Pick<WebhookSubscription, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>, now: Date): string[] =>
  sub.previous_secret && sub.previous_secret_expires_at && sub.previous_secret_expires_at.getTime() > now.getTime() ? [sub.secret, sub.previous_secret] : [sub.secret];
