// The journey commands' request bodies, as the HTTP API and the import read them; every violation has its field path.
import { z } from 'zod';
import { ACTOR_TYPES, CHANNELS } from '../shared/channels.ts';
import { catalogueEntry, categoryFields, EVENT_TYPE_PATTERN, MESSAGE_PLATFORMS } from './event-catalogue.ts';
import { isGuid, severityCode } from './guid.ts';
import { depthOf, MAX_PAYLOAD_DEPTH } from '../shared/payload-limits.ts';
import type { TrackingEvent } from './tracking-event.ts';
import { customerBody } from '../channels/index.ts';
import { toViolations, type Parsed, type Violation } from '../shared/violation.ts';

/** No event of a customer journey is older than this; anything before it is a broken clock or a typo. */
const EARLIEST_EVENT_TIME = Date.parse('1970-01-01T00:00:00Z');

export const isoTime = z.iso
  .datetime({ offset: true, message: 'an ISO 8601 date-time with a time zone, e.g. 2024-12-07T10:00:00Z' })
  .refine((s) => !(Date.parse(s) < EARLIEST_EVENT_TIME), 'before 1970-01-01: not a plausible time');
const shortText = (max: number) => z.string().min(1).max(max);
const guid = z.string().refine(isGuid, 'not a Threadline GUID (PREFIX-YYYY-MM-DD-CCC-SSS-DEALER-XXXXXX)');
export const dealerCode = z
  .string()
  .regex(/^[A-Za-z0-9]{1,16}$/, '1 to 16 letters or digits')
  .transform((s) => s.toUpperCase());
const payload = z
  .record(z.string(), z.unknown())
  .refine((v) => depthOf(v) <= MAX_PAYLOAD_DEPTH, `nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);

/** The server's clock and how far ahead of it an event time may be (clock skew between systems). */
export interface TimeBounds {
  now: Date;
  maxFutureSkewMs: number;
}

const describeMs = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} minute(s)` : `${ms / 1000} second(s)`);

/** A violation when `iso` is further ahead of the server's clock than the allowed skew. */
const futureViolation = (path: string, iso: string | undefined, b: TimeBounds): Violation[] =>
  iso !== undefined && Date.parse(iso) > b.now.getTime() + b.maxFutureSkewMs
    ? [{ path, message: `more than ${describeMs(b.maxFutureSkewMs)} ahead of the server's clock (${b.now.toISOString()})` }]
    : [];


/** Runs `schema`, then the checks that need the server's clock, and lists every violation of both. */
const parseWithTimes = <S extends z.ZodType>(schema: S, input: unknown, times: (v: z.output<S>) => Violation[]): Parsed<z.output<S>> => {
  const parsed = schema.safeParse(input);
  if (!parsed.success) return { ok: false, violations: toViolations(parsed.error) };
  const violations = times(parsed.data);
  return violations.length > 0 ? { ok: false, violations } : { ok: true, value: parsed.data };
};

export const generateGuidBody = z.strictObject({
  vin: z.string().regex(/^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$/, 'a 17-character VIN (no I, O or Q)'),
  dealer_code: dealerCode,
  customer_id: shortText(100).optional(),
  /** Email and phone are matched against inbound traffic and stored only as keyed hashes. */
  customer: customerBody.optional(),
  risk_event: z.strictObject({
    component_code: z.string().regex(/^[A-Za-z0-9]{3}$/, '3 letters or digits, e.g. BAT'),
    severity: z.string().refine((s) => severityCode(s) !== undefined, 'one of CRITICAL, HIGH, MODERATE, LOW'),
    risk_score: z.number().finite().min(0).max(1e15),
    timestamp: isoTime,
    failure_probability: z.number().min(0).max(1).optional(),
  }),
});

export const parseGenerateGuid = (input: unknown, b: TimeBounds) =>
  parseWithTimes(generateGuidBody, input, (v) => futureViolation('risk_event.timestamp', v.risk_event.timestamp, b));

export const conversationBody = z.strictObject({
  channel: z.enum(CHANNELS),
  dealer_code: dealerCode,
  customer_id: shortText(100).optional(),
  customer: customerBody.optional(),
  started_at: isoTime.optional(),
  /** The messaging platform (whatsapp, webchat, ...), when the channel is CHAT. */
  platform: z.enum(MESSAGE_PLATFORMS).optional(),
  /** The outreach journey this conversation continues (a customer answering an SMS in chat). */
  parent_guid: guid.optional(),
  categories: z.strictObject(categoryFields).optional(),
});

export const parseConversation = (input: unknown, b: TimeBounds) => parseWithTimes(conversationBody, input, (v) => futureViolation('started_at', v.started_at, b));

const logEventBase = z.strictObject({
  guid,
  event_type: z.string().max(64).regex(EVENT_TYPE_PATTERN, 'UPPER_SNAKE_CASE, e.g. EMAIL_SENT'),
  channel: z.enum(CHANNELS),
  details: payload.optional(),
  event_id: z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, '1 to 128 letters, digits or . _ : @ -').optional(),
  occurred_at: isoTime.optional(),
  actor: z.strictObject({ type: z.enum(ACTOR_TYPES), id: shortText(200).optional() }).optional(),
  dealer_code: dealerCode.optional(),
  session_id: shortText(200).optional(),
  user_id: shortText(200).optional(),
});
export type LogEventInput = z.infer<typeof logEventBase>;

/** The log-event body's shape (a known type's `details` are checked by parseLogEvent against the event catalogue). */
export const logEventBody = logEventBase;

/** The base fields and, for a known event type, its details, validated together so every violation is listed. */
export const parseLogEvent = (input: unknown, b: TimeBounds, prefix: (string | number)[] = []): Parsed<LogEventInput> => {
  const base = logEventBase.safeParse(input);
  const violations = base.success ? [] : toViolations(base.error, prefix);
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const entry = typeof raw['event_type'] === 'string' ? catalogueEntry(raw['event_type']) : undefined;
  let details: Record<string, unknown> | undefined;
  if (entry) {
    const d = entry.details.safeParse(raw['details'] ?? {});
    if (d.success) details = d.data;
    else violations.push(...toViolations(d.error, [...prefix, 'details']));
  }
  if (base.success) violations.push(...futureViolation([...prefix, 'occurred_at'].join('.'), base.data.occurred_at, b));
  if (!base.success || violations.length > 0) return { ok: false, violations };
  return { ok: true, value: { ...base.data, ...(details ? { details } : {}) } };
};

export const batchBody = z.strictObject({ events: z.array(z.unknown()).min(1).max(1000, 'at most 1,000 events per batch') });

export const transitionBody = z.strictObject({
  to_state: z.string().min(1).max(64),
  reason: z.string().max(500).optional(),
  metadata: payload.optional(),
});


/**
 * The tracking event a log-event body records. `eventId` stands in when the body has none (an import derives one
 * from the line, so that importing the same file again stores nothing twice); otherwise a random one is drawn.
 */
export const toTrackingEvent = (e: LogEventInput, receivedAt: string, eventId: () => string): TrackingEvent => ({
  event_id: e.event_id ?? eventId(),
  guid: e.guid,
  event_type: e.event_type,
  channel: e.channel,
  occurred_at: e.occurred_at ? new Date(e.occurred_at).toISOString() : receivedAt,
  received_at: receivedAt,
  actor: e.actor ? { type: e.actor.type, ...(e.actor.id ? { id: e.actor.id } : {}) } : null,
  dealer_code: e.dealer_code ?? null,
  session_id: e.session_id ?? null,
  user_id: e.user_id ?? null,
  details: e.details ?? {},
});
