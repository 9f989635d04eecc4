// Segment's HTTP Tracking API (/v1/track, /v1/identify, /v1/page, /v1/batch), so that an app instrumented with
// @segment/analytics-node logs journey events unchanged: its write key is a Threadline API key sent as HTTP Basic
// (authenticator.ts). The mapping is src/domain/segment/; what happens to each message is in docs/segment.md.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  batchEnvelope,
  identifyMessage,
  jsonBytes,
  pageMessage,
  SEGMENT_LIMITS,
  segmentToTrackingEvent,
  trackMessage,
  type SegmentMappingOptions,
  type SegmentType,
} from '../../domain/segment/index.ts';
import { toViolations, type Parsed } from '../../domain/shared/violation.ts';
import type { AppDeps } from '../http/deps.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { route, type AnyRoute, type BodyDeclaration } from '../http/route.ts';
import { ingestMessages, type MessageResult } from './segment-ingest.ts';
import { admitEventsOrShed } from '../http/load-shedding.ts';
import { batchLogged, messageLogged } from './segment-schemas.ts';

const optionsOf = (deps: AppDeps, receivedAt: Date): SegmentMappingOptions => ({
  receivedAt,
  maxFutureSkewMs: deps.config.maxFutureSkewMs,
  guidPaths: deps.config.segment.guidPaths,
  channelPaths: deps.config.segment.channelPaths,
  eventId: randomUUID,
});

const AUTH = 'Authenticate as Segment clients do: `Authorization: Basic base64("<API key>:")`, the write key being a Threadline API key (role `channel`); `Bearer` works too.';

const storeFailed = () => new ProblemError('store_unavailable', 'Not stored: the event store failed on a journey; retry (the same messageIds are stored once)', {}, { 'Retry-After': '1' });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A single call's body: any JSON object here, checked message by message in the handler (its size first). */
const messageBody = (schema: z.ZodType): BodyDeclaration<Record<string, unknown>> => ({
  schema,
  parse: (input): Parsed<Record<string, unknown>> => (isRecord(input) ? { ok: true, value: input } : { ok: false, violations: [{ path: '(body)', message: 'a Segment message: a JSON object' }] }),
});

const singleCall = (type: Exclude<SegmentType, 'screen'>, schema: z.ZodType, summary: string): AnyRoute =>
  route({
    method: 'post',
    path: `/v1/${type}`,
    summary,
    description: `Segment's ${type} call, stored as one tracking event of the journey its GUID names (docs/segment.md). Answers 200 as Segment does, also for a messageId stored before (duplicate: true). ${AUTH}`,
    tags: ['segment'],
    body: messageBody(schema),
    responses: { 200: { description: 'Stored, or stored before (the same messageId)', schema: messageLogged } },
    problems: ['unknown_guid'],
    scope: 'journeys:write',
    handle: async ({ body, deps, now, principal, touched, http }) => {
      const outcome = segmentToTrackingEvent(body, optionsOf(deps, now()), { type });
      const result: MessageResult = (await ingestMessages(deps, http, principal, touched, [outcome]))[0]!;
      switch (result.status) {
        case 400:
          throw invalid(result.violations);
        case 413:
          throw new ProblemError('payload_too_large', result.detail, { limit: SEGMENT_LIMITS.messageBytes });
        case 404:
          throw new ProblemError('unknown_guid', `No journey with GUID ${result.guid}`);
        case 503:
          throw storeFailed();
        case 200:
          return { status: 200, body: { success: true, event_id: result.event_id, duplicate: true } };
        case 201:
          return { status: 200, body: { success: true, event_id: result.event_id } };
      }
    },
  }) as AnyRoute;

export const segmentTrack = singleCall('track', trackMessage, 'Segment track: log one event');
export const segmentIdentify = singleCall('identify', identifyMessage, 'Segment identify: log the traits of a journey\'s customer');
export const segmentPage = singleCall('page', pageMessage, 'Segment page: log a page view');

export const segmentBatch = route({
  method: 'post',
  path: '/v1/batch',
  summary: 'Segment batch (what analytics-node sends): up to 2,500 messages, 500 KB; one result per message',
  description:
    "Each message is judged on its own: the valid ones are stored (all journeys in one atomic append where the store has one), and the answer is 200 with one result per message, in order, naming each one refused and why (no GUID, another dealer's or no journey, a bad field, over 32 KB); `success` is false when any was. A store failure answers 503 for the whole batch, which Segment clients retry (the same messageIds are stored once). " +
    AUTH,
  tags: ['segment'],
  body: {
    schema: batchEnvelope,
    parse: (input) => {
      const parsed = batchEnvelope.safeParse(input);
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, violations: toViolations(parsed.error) };
    },
  },
  responses: { 200: { description: 'Per-message results', schema: batchLogged } },
  problems: [],
  scope: 'journeys:write',
  limit: 'batch',
  handle: async ({ body, req, res, deps, now, principal, touched, http }) => {
    // Before any message is looked at: the whole batch within Segment's limit, and its messages within the work in flight.
    const bytes = jsonBytes(req.body);
    if (bytes > SEGMENT_LIMITS.batchBytes) throw new ProblemError('payload_too_large', `The batch is ${bytes} bytes; at most ${SEGMENT_LIMITS.batchBytes} (Segment's limit)`, { limit: SEGMENT_LIMITS.batchBytes });
    admitEventsOrShed(http, res, body.batch.length);
    const options = optionsOf(deps, now());
    const envelope = { context: body.context, sentAt: body.sentAt };
    const outcomes = body.batch.map((message, i) => segmentToTrackingEvent(message, options, { envelope, at: ['batch', i] }));
    const results = await ingestMessages(deps, http, principal, touched, outcomes);
    // Segment clients retry a 5xx and nothing else: a store failure must not be answered as a result of the batch.
    if (results.some((r) => r.status === 503)) throw storeFailed();
    const out = results.map((r, index) => {
      const message_id = outcomes[index]!.messageId;
      switch (r.status) {
        case 400:
          return { index, message_id, success: false as const, status: 400 as const, code: 'validation_failed' as const, violations: r.violations };
        case 413:
          return { index, message_id, success: false as const, status: 413 as const, code: 'payload_too_large' as const, detail: r.detail };
        case 404:
          return { index, message_id, success: false as const, status: 404 as const, code: 'unknown_guid' as const, detail: `No journey with GUID ${r.guid}` };
        case 503:
          throw storeFailed();
        default:
          return { index, message_id, success: true as const, ...r };
      }
    });
    const accepted = out.filter((r) => r.success).length;
    const rejected = out.length - accepted;
    // Refused messages are named in the answer, which Segment's libraries do not read: the log says so too.
    if (rejected > 0) {
      const codes: Record<string, number> = {};
      for (const r of out) if (!r.success) codes[r.code] = (codes[r.code] ?? 0) + 1;
      deps.logger.warn({ accepted, rejected, codes, principal: principal?.label }, 'segment batch: messages refused');
    }
    return { status: 200, body: { success: rejected === 0, accepted, rejected, results: out } };
  },
});
