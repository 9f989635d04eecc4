// Which envelopes a subscription is sent (events, dealer, kind, tracking event types) and which secrets sign them
// during a rotation's overlap.
import { describe, expect, it } from 'vitest';
import { signingSecrets, subscriptionMatches, type EnvelopeFacts, type SubscriptionFilter, type WebhookSubscription } from '../../src/domain/webhooks/index.ts';

const sub = (events: WebhookSubscription['events'], filter: SubscriptionFilter = {}) => ({ events, filter });
const env = (type: string, more: Partial<EnvelopeFacts> = {}): EnvelopeFacts => ({ type, dealer_code: 'DET001', kind: 'outreach', ...more });

describe('subscriptionMatches', () => {
  it('sends the named events only, and every event for *', () => {
    const s = sub(['journey.state_changed', 'journey.converted']);
    expect(subscriptionMatches(s, env('journey.state_changed'))).toBe(true);
    expect(subscriptionMatches(s, env('journey.converted'))).toBe(true);
    expect(subscriptionMatches(s, env('journey.created'))).toBe(false);
    expect(subscriptionMatches(s, env('event.logged'))).toBe(false);
    for (const t of ['journey.created', 'event.logged', 'contact.opted_out', 'some.future_event']) expect(subscriptionMatches(sub(['*']), env(t))).toBe(true);
  });

  it("narrows to one dealer's journeys, and a journey without a dealer is not that dealer's", () => {
    const s = sub(['*'], { dealer_code: 'DET001' });
    expect(subscriptionMatches(s, env('journey.created'))).toBe(true);
    expect(subscriptionMatches(s, env('journey.created', { dealer_code: 'CHI002' }))).toBe(false);
    expect(subscriptionMatches(s, env('journey.created', { dealer_code: null }))).toBe(false);
  });

  it('narrows to one journey kind', () => {
    const s = sub(['journey.state_changed'], { kind: 'conversation' });
    expect(subscriptionMatches(s, env('journey.state_changed', { kind: 'conversation' }))).toBe(true);
    expect(subscriptionMatches(s, env('journey.state_changed'))).toBe(false);
  });

  it('narrows logged events to the tracking event types named, from event_type or the envelope data, and leaves other events alone', () => {
    const s = sub(['event.logged', 'journey.state_changed'], { event_types: ['EMAIL_OPENED', 'SMS_CLICKED'] });
    expect(subscriptionMatches(s, env('event.logged', { event_type: 'EMAIL_OPENED' }))).toBe(true);
    expect(subscriptionMatches(s, env('event.logged', { data: { event_type: 'SMS_CLICKED' } }))).toBe(true);
    expect(subscriptionMatches(s, env('event.logged', { event_type: 'EMAIL_SENT' }))).toBe(false);
    // Asked for two types only: a logged event of unknown type is not among them.
    expect(subscriptionMatches(s, env('event.logged'))).toBe(false);
    expect(subscriptionMatches(s, env('journey.state_changed'))).toBe(true);
  });

  it('needs every filter field to hold', () => {
    const s = sub(['event.logged'], { dealer_code: 'DET001', kind: 'outreach', event_types: ['EMAIL_OPENED'] });
    expect(subscriptionMatches(s, env('event.logged', { event_type: 'EMAIL_OPENED' }))).toBe(true);
    expect(subscriptionMatches(s, env('event.logged', { event_type: 'EMAIL_OPENED', dealer_code: 'X1' }))).toBe(false);
    expect(subscriptionMatches(s, env('event.logged', { event_type: 'EMAIL_OPENED', kind: 'conversation' }))).toBe(false);
  });
});

describe('signingSecrets', () => {
  const now = new Date('2025-01-01T12:00:00Z');
  it('signs with the current secret alone outside a rotation', () => {
    expect(signingSecrets({ secret: 'whsec_new', previous_secret: null, previous_secret_expires_at: null }, now)).toEqual(['whsec_new']);
  });
  it('signs with both during the overlap, the new one first, and with the new one alone once it ends', () => {
    const rotating = { secret: 'whsec_new', previous_secret: 'whsec_old', previous_secret_expires_at: new Date('2025-01-02T12:00:00Z') };
    expect(signingSecrets(rotating, now)).toEqual(['whsec_new', 'whsec_old']);
    expect(signingSecrets(rotating, new Date('2025-01-02T12:00:00Z'))).toEqual(['whsec_new']);
    expect(signingSecrets(rotating, new Date('2025-01-03T00:00:00Z'))).toEqual(['whsec_new']);
  });
});
