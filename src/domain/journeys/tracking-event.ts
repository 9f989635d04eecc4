// The tracking event as stored, and whether it counts as a touch.
import { TOUCH_CHANNELS, type Actor, type Channel } from '../shared/channels.ts';
import { isMachineFlagged } from '../shared/machine-flag.ts';

/**
 * Bookkeeping on a touch channel that is no contact with the customer: a delivery receipt, an opt-out's record
 * (the reply or click that asked for it is the touch), a routing decision, a contact point learnt.
 */
export const NON_TOUCH_TYPES: ReadonlySet<string> = new Set([
  'EMAIL_DELIVERED',
  'SMS_DELIVERED',
  'SMS_FAILED',
  'CALL_RINGING',
  'CALL_ANSWERED',
  'CONTACT_OPTED_OUT',
  'CONTACT_OPTED_IN',
  'CONTACT_POINT_ADDED',
  'REPLY_ROUTED',
]);

export type TrackingEvent = {
  event_id: string;
  guid: string;
  event_type: string;
  channel: Channel;
  occurred_at: string;
  received_at: string;
  actor: Actor | null;
  dealer_code: string | null;
  session_id: string | null;
  user_id: string | null;
  details: Record<string, unknown>;
}

/**
 * A touch is a customer-facing event: on a touch channel, not a lifecycle event, not flagged as a machine
 * (mail scanner, link prefetcher) interaction.
 */
export const isTouch = (e: Pick<TrackingEvent, 'channel' | 'event_type' | 'details'>, lifecycleStates: readonly string[]): boolean =>
  TOUCH_CHANNELS.has(e.channel) && !lifecycleStates.includes(e.event_type) && !NON_TOUCH_TYPES.has(e.event_type) && !isMachineFlagged(e.details);
