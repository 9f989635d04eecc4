// A Segment message as a Threadline tracking event (the table in docs/segment.md). The result is checked by the same
// rules as a log-event body (parseLogEvent: event-id pattern, time bounds, the catalogue's details), with every
// violation named by its place in the Segment message.
import { CHANNELS, type Channel } from '../shared/channels.ts';
import { toViolations, type Violation } from '../shared/violation.ts';
import { isGuid, parseLogEvent, toTrackingEvent, type TrackingEvent } from '../journeys/index.ts';
import { correctClock } from './segment-clock.ts';
import { eventTypeOf, VIEW_AND_IDENTIFY_TYPES } from './segment-event-type.ts';
import { jsonBytes, SEGMENT_LIMITS } from './segment-limits.ts';
import { MESSAGE_SCHEMAS, SEGMENT_TYPES, type SegmentType } from './segment-messages.ts';
import { firstValue, withoutPath } from './segment-paths.ts';

export interface SegmentMappingOptions {
  /** The server's clock when the request arrived (receivedAt). */
  receivedAt: Date;
  /** How far ahead of the server's clock an event time may be (THREADLINE_MAX_FUTURE_SKEW). */
  maxFutureSkewMs: number;
  guidPaths: readonly string[];
  channelPaths: readonly string[];
  /** Draws an event_id for a message without a messageId (a retry of such a message is stored twice). */
  eventId: () => string;
}

export interface MessageSource {
  /** The type the endpoint implies (/v1/track); a batch message names its own. */
  type?: SegmentType;
  /** The batch's `context` and `sentAt`, for the messages of the batch. */
  envelope?: { context?: Record<string, unknown> | null | undefined; sentAt?: string | undefined };
  /** Where the message is in the body (['batch', 3]), for violation paths. */
  at?: readonly (string | number)[];
}

export type SegmentOutcome =
  | { ok: true; event: TrackingEvent; messageId: string | null }
  | { ok: false; code: 'validation_failed'; violations: Violation[]; messageId: string | null }
  | { ok: false; code: 'payload_too_large'; message: string; messageId: string | null };

/** The key under which details keep what the call said besides its properties or traits. */
export const SEGMENT_DETAILS_KEY = '_segment';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A user id as text; an empty one is none (Segment treats it so). */
const idOf = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

const channelOf = (value: unknown): Channel | null => {
  const upper = typeof value === 'string' ? value.toUpperCase() : null;
  return (CHANNELS as readonly string[]).includes(upper ?? '') ? (upper as Channel) : null;
};

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

export const segmentToTrackingEvent = (input: unknown, o: SegmentMappingOptions, src: MessageSource = {}): SegmentOutcome => {
  const at = src.at ?? [];
  const pathOf = (...p: (string | number)[]) => [...at, ...p].map(String).join('.') || '(message)';
  const raw = isRecord(input) ? input : null;
  const messageId = typeof raw?.['messageId'] === 'string' ? raw['messageId'] : null;
  const invalid = (violations: Violation[]): SegmentOutcome => ({ ok: false, code: 'validation_failed', violations, messageId });
  if (!raw) return invalid([{ path: pathOf(), message: 'a message is a JSON object' }]);

  const bytes = jsonBytes(raw);
  if (bytes > SEGMENT_LIMITS.messageBytes) {
    return { ok: false, code: 'payload_too_large', message: `${pathOf()}: ${bytes} bytes; a message may have at most ${SEGMENT_LIMITS.messageBytes} (Segment's limit)`, messageId };
  }

  const declared = raw['type'];
  let type: SegmentType;
  if (src.type) {
    if (declared !== undefined && declared !== src.type) return invalid([{ path: pathOf('type'), message: `this endpoint takes ${src.type} messages` }]);
    type = src.type;
  } else if (typeof declared === 'string' && (SEGMENT_TYPES as readonly string[]).includes(declared)) type = declared as SegmentType;
  else {
    const message = declared === undefined ? `required: one of ${SEGMENT_TYPES.join(', ')}` : `${JSON.stringify(declared)} is not taken: one of ${SEGMENT_TYPES.join(', ')} (group and alias calls name no journey)`;
    return invalid([{ path: pathOf('type'), message }]);
  }

  const parsed = MESSAGE_SCHEMAS[type].safeParse(raw);
  const violations = parsed.success ? [] : toViolations(parsed.error, [...at]);
  const context = { ...(src.envelope?.context ?? {}), ...(isRecord(raw['context']) ? raw['context'] : {}) };
  const view = { ...raw, context };

  const payloadKey = type === 'identify' ? 'traits' : 'properties';
  const guidFound = firstValue(view, o.guidPaths);
  if (!guidFound) {
    const expected = o.guidPaths.find((p) => p.startsWith(`${payloadKey}.`)) ?? o.guidPaths[0] ?? `${payloadKey}.guid`;
    violations.push({ path: pathOf(expected), message: `a journey GUID is required (looked at ${o.guidPaths.join(', ')})` });
  } else if (typeof guidFound.value !== 'string' || !isGuid(guidFound.value)) violations.push({ path: pathOf(guidFound.path), message: 'not a Threadline GUID (PREFIX-YYYY-MM-DD-CCC-SSS-DEALER-XXXXXX)' });

  const channelFound = firstValue(view, o.channelPaths);
  const named = channelFound ? channelOf(channelFound.value) : null;
  if (channelFound && !named) violations.push({ path: pathOf(channelFound.path), message: `one of ${CHANNELS.join(', ')}` });

  let eventType: string = type === 'track' ? '' : VIEW_AND_IDENTIFY_TYPES[type];
  if (type === 'track' && typeof raw['event'] === 'string') {
    const t = eventTypeOf(raw['event']);
    if (t.ok) eventType = t.type;
    else violations.push({ path: pathOf('event'), message: t.reason });
  }

  let payload = isRecord(raw[payloadKey]) ? raw[payloadKey] : {};
  if (Object.hasOwn(payload, SEGMENT_DETAILS_KEY)) violations.push({ path: pathOf(payloadKey, SEGMENT_DETAILS_KEY), message: `reserved: Threadline keeps the call's own fields under ${SEGMENT_DETAILS_KEY}` });
  if (violations.length > 0 || !parsed.success || !guidFound) return invalid(violations);
  const m = parsed.data;

  // The GUID and the channel are the event's own fields; the rest of the properties or traits are its details.
  for (const found of [guidFound, channelFound]) {
    if (found?.path.startsWith(`${payloadKey}.`)) payload = withoutPath(payload, found.path.split('.').slice(1));
  }
  const sentAt = m.sentAt ?? src.envelope?.sentAt;
  const clock = correctClock(m.timestamp ? new Date(m.timestamp) : null, sentAt ? new Date(sentAt) : null, o.receivedAt);
  const viewCall = type === 'page' || type === 'screen';
  const segment = defined({
    type,
    event: type === 'track' ? raw['event'] : undefined,
    name: viewCall ? raw['name'] : undefined,
    category: viewCall ? raw['category'] : undefined,
    timestamp: m.timestamp,
    sent_at: sentAt,
    clock_correction_ms: clock.correctionMs !== 0 ? clock.correctionMs : undefined,
    clock_distrusted: clock.distrusted ? true : undefined,
    context: Object.keys(context).length > 0 ? context : undefined,
  });
  const details = { ...payload, [SEGMENT_DETAILS_KEY]: segment };

  const channel = named ?? (type === 'identify' ? 'SYSTEM' : 'WEBVIEW');
  const userId = idOf(m.userId);
  const sessionId = idOf(m.anonymousId);
  const logEvent = defined({
    guid: guidFound.value,
    event_type: eventType,
    channel,
    details,
    event_id: m.messageId,
    occurred_at: clock.occurredAt.toISOString(),
    actor: { type: channel === 'PORTAL' ? 'human' : 'customer', ...(userId ? { id: userId } : {}) },
    user_id: userId,
    session_id: sessionId,
  });
  // Same rules as POST /log-event, named by where they are in the Segment message.
  const checked = parseLogEvent(logEvent, { now: o.receivedAt, maxFutureSkewMs: o.maxFutureSkewMs });
  if (!checked.ok) return invalid(checked.violations.map((v) => ({ path: pathOf(...segmentPath(v.path, { guid: guidFound.path, channel: channelFound?.path ?? 'type', payloadKey, type })), message: v.message })));
  return { ok: true, event: toTrackingEvent(checked.value, o.receivedAt.toISOString(), o.eventId), messageId };
};

/** A log-event field path (`details.url`, `event_id`) as the Segment message's (`properties.url`, `messageId`). */
const segmentPath = (path: string, where: { guid: string; channel: string; payloadKey: string; type: SegmentType }): string[] => {
  const [head = '', ...rest] = path.split('.');
  if (head === 'details') return rest[0] === SEGMENT_DETAILS_KEY ? (rest[1] === 'context' ? ['context', ...rest.slice(2)] : rest.slice(1)) : [where.payloadKey, ...rest];
  const fields: Record<string, string> = {
    guid: where.guid,
    event_type: where.type === 'track' ? 'event' : 'type',
    channel: where.channel,
    event_id: 'messageId',
    occurred_at: 'timestamp',
    user_id: 'userId',
    session_id: 'anonymousId',
    actor: 'userId',
  };
  return [fields[head] ?? head, ...(head === 'actor' ? [] : rest)];
};
