// Segment event names ("Order Completed", "order_completed", "orderCompleted") as Threadline event types
// (ORDER_COMPLETED). A name that normalises to a known type ("Email Opened" → EMAIL_OPENED) is that type, with its
// catalogue's rules and, for a lifecycle state's name, its transition.
import type { SegmentType } from './segment-messages.ts';

/** What the calls that carry no event name are logged as. */
export const VIEW_AND_IDENTIFY_TYPES: Readonly<Record<Exclude<SegmentType, 'track'>, string>> = {
  page: 'PAGE_VIEWED',
  screen: 'SCREEN_VIEWED',
  identify: 'USER_IDENTIFIED',
};

const MAX_TYPE_LENGTH = 64;

export type EventTypeOutcome = { ok: true; type: string } | { ok: false; reason: string };

/**
 * UPPER_SNAKE from a free-form name: accents dropped (é → E), words split at spaces, punctuation and camelCase
 * boundaries (orderCompleted → ORDER_COMPLETED, HTMLPage → HTML_PAGE, mp4Played → MP4_PLAYED), a leading digit
 * prefixed with EVENT_. Every split needs a lowercase letter, so a type already in UPPER_SNAKE maps to itself.
 */
export const eventTypeOf = (name: string): EventTypeOutcome => {
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z0-9]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) return { ok: false, reason: 'has no letters or digits to make an event type of' };
  const joined = words.join('_').toUpperCase();
  const type = /^[A-Z]/.test(joined) ? joined : `EVENT_${joined}`;
  if (type.length > MAX_TYPE_LENGTH) return { ok: false, reason: `makes an event type longer than ${MAX_TYPE_LENGTH} characters (${type.slice(0, 20)}…)` };
  return { ok: true, type };
};
