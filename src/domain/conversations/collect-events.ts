// What a web view's collector sends (POST /api/v2/collect) and the conversation events it becomes on the token's
// journey. Every limit is checked here, before any token is verified or anything appended.
import { z } from 'zod';
import { catalogueEntry, isoTime, parseGuid, type TrackingEvent } from '../journeys/index.ts';
import { toViolations, type Parsed, type Violation } from '../shared/violation.ts';
import type { HandoffClaims } from './handoff-claims.ts';

export const COLLECT_LIMITS = {
  /** Events per request: the collector batches a few at a time; a flood is refused before any work. */
  maxEvents: 50,
  /** The body, read no further than this (a page has no business sending more). */
  maxBodyBytes: 64 * 1024,
  /** One event's props, as UTF-8 JSON. */
  maxPropsBytes: 2048,
  maxPropsKeys: 20,
} as const;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Flat: a funnel filters and groups by props, so nothing is nested. */
const props = z
  .record(z.string().min(1).max(100), z.union([z.string().max(500), z.number().finite(), z.boolean(), z.null()]))
  .refine((p) => Object.keys(p).length <= COLLECT_LIMITS.maxPropsKeys, `at most ${COLLECT_LIMITS.maxPropsKeys} props`)
  .refine((p) => utf8Length(JSON.stringify(p)) <= COLLECT_LIMITS.maxPropsBytes, `at most ${COLLECT_LIMITS.maxPropsBytes} bytes of props (as JSON)`);

const base = {
  /** The collector's own id of the event: with the web view's id, it makes the event id a retry is matched by. */
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, '1 to 64 letters, digits or . _ : -'),
  /** The browser's clock when it happened. */
  at: isoTime,
  props: props.optional(),
};
const stepName = z.string().min(1).max(100);

export const collectEvent = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('open'), url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).max(2000).optional() }),
  z.strictObject({ ...base, type: z.literal('step'), name: stepName, index: z.number().int().nonnegative().max(10_000).optional() }),
  z.strictObject({ ...base, type: z.literal('exit'), name: stepName.optional(), reason: z.string().min(1).max(200).optional() }),
  z.strictObject({ ...base, type: z.literal('escalate'), name: stepName.optional(), reason: z.string().min(1).max(200).optional() }),
  z.strictObject({ ...base, type: z.literal('complete'), result: z.string().min(1).max(100).optional() }),
]);
export type CollectEvent = z.infer<typeof collectEvent>;

export const collectBody = z.strictObject({
  token: z.string().min(1).max(4096),
  /** The browser's clock when it sent the batch: with it, each event's time is corrected for a wrong device clock. */
  sent_at: isoTime.optional(),
  events: z.array(collectEvent).min(1).max(COLLECT_LIMITS.maxEvents, `at most ${COLLECT_LIMITS.maxEvents} events per request`),
});
export type CollectRequest = z.infer<typeof collectBody>;

/** Stable across retries and processes: the same collector event on the same web view is one stored event. */
export const collectEventId = (webviewId: string, clientId: string): string => `wv:${webviewId}:${clientId}`;

const TYPES = { open: 'WEBVIEW_OPENED', step: 'WEBVIEW_STEP', exit: 'WEBVIEW_EXIT', escalate: 'ESCALATION_REQUESTED', complete: 'WEBVIEW_COMPLETED' } as const;

/** Without query or fragment: a hand-off's token travels in the fragment, and a query may carry what is not ours to keep. */
const bareUrl = (url: string) => {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.toString();
};

const detailsOf = (e: CollectEvent, c: HandoffClaims): Record<string, unknown> => {
  const extra = e.props ? { props: e.props } : {};
  switch (e.type) {
    case 'open':
      return { webview_id: c.webview_id, ...(e.url ? { url: bareUrl(e.url) } : {}), ...(c.intent ? { intent: c.intent } : {}), ...extra };
    case 'step':
      return { webview_id: c.webview_id, step: e.name, ...(e.index !== undefined ? { step_index: e.index } : {}), ...extra };
    case 'exit':
      return { webview_id: c.webview_id, ...(e.name ? { step: e.name } : {}), ...(e.reason ? { reason: e.reason } : {}), ...extra };
    case 'escalate':
      // The page's words are a note; the escalation's reason is that the customer asked.
      return { reason: 'customer_request', webview_id: c.webview_id, ...(e.name ? { step: e.name } : {}), ...(e.reason ? { note: e.reason } : {}), ...extra };
    case 'complete':
      return { webview_id: c.webview_id, ...(e.result ? { result: e.result } : {}), ...extra };
  }
};

export interface CollectBounds {
  now: Date;
  maxFutureSkewMs: number;
}

/**
 * Event time: the browser's `at`, or, when the batch says when it was sent, the server's receipt less the time the
 * event waited in the browser (a device clock an hour off still places events right). Too far ahead is refused.
 */
const eventTime = (at: string, sentAt: string | undefined, b: CollectBounds, path: string): { ok: true; iso: string } | { ok: false; violation: Violation } => {
  const atMs = Date.parse(at);
  const sentMs = sentAt === undefined ? undefined : Date.parse(sentAt);
  if (sentMs !== undefined && atMs > sentMs + b.maxFutureSkewMs) return { ok: false, violation: { path, message: 'after the batch\u2019s sent_at' } };
  const ms = sentMs === undefined ? atMs : b.now.getTime() - Math.max(0, sentMs - atMs);
  if (ms > b.now.getTime() + b.maxFutureSkewMs) return { ok: false, violation: { path, message: `more than ${b.maxFutureSkewMs / 1000} s ahead of the server's clock (${b.now.toISOString()})` } };
  return { ok: true, iso: new Date(ms).toISOString() };
};

/** The journey events a collect request records on the token's journey, or every violation (then nothing is stored). */
export const collectedEvents = (body: CollectRequest, claims: HandoffClaims, b: CollectBounds): Parsed<TrackingEvent[]> => {
  const violations: Violation[] = [];
  const receivedAt = b.now.toISOString();
  const events: TrackingEvent[] = [];
  body.events.forEach((e, i) => {
    const time = eventTime(e.at, body.sent_at, b, `events.${i}.at`);
    if (!time.ok) {
      violations.push(time.violation);
      return;
    }
    const type = TYPES[e.type];
    // The catalogue has the last word on a type's details, so the two cannot drift apart.
    const checked = catalogueEntry(type)?.details.safeParse(detailsOf(e, claims));
    if (checked && !checked.success) {
      violations.push(...toViolations(checked.error, ['events', i]));
      return;
    }
    events.push({
      event_id: collectEventId(claims.webview_id, e.id),
      guid: claims.guid,
      event_type: type,
      channel: 'WEBVIEW',
      occurred_at: time.iso,
      received_at: receivedAt,
      actor: { type: 'customer' },
      dealer_code: parseGuid(claims.guid)?.dealer ?? null,
      session_id: null,
      user_id: null,
      details: checked?.data ?? detailsOf(e, claims),
    });
  });
  return violations.length > 0 ? { ok: false, violations } : { ok: true, value: events };
};
