// The tracking event as stored, and whether it counts as a touch.
import { TOUCH_CHANNELS, type Actor, type Channel } from '../shared/channels.ts';

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
  TOUCH_CHANNELS.has(e.channel) && !lifecycleStates.includes(e.event_type) && e.details['machine'] !== true;
