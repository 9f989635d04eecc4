// Segment's HTTP Tracking API messages as analytics-node 3.1 and the HTTP API send them. Only the fields Threadline
// maps are typed; any other field is allowed (libraries add fields without notice) and ignored (docs/segment.md).
import { z } from 'zod';
import { isoTime } from '../journeys/index.ts';
import { SEGMENT_LIMITS } from './segment-limits.ts';

/** The message types Threadline takes; `group` and `alias` name no journey and are refused per message. */
export const SEGMENT_TYPES = ['track', 'identify', 'page', 'screen'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

const record = z.record(z.string(), z.unknown());
/** A user id as libraries send it: a string, or a number some send unquoted (beyond 2^53 it arrives as a BigInt). */
const identity = z.union([z.string().max(200), z.number(), z.bigint()]).nullish();

const common = {
  messageId: z.string().optional().meta({ description: "Becomes the event's event_id: the same messageId again is stored once" }),
  timestamp: isoTime.optional().meta({ description: 'When it happened, by the client clock (corrected by sentAt, see docs/segment.md)' }),
  sentAt: isoTime.optional().meta({ description: 'When the client sent it, by the same clock' }),
  userId: identity,
  anonymousId: identity,
  context: record.nullish(),
  integrations: z.unknown().optional(),
  writeKey: z.string().optional().meta({ description: 'Ignored and never stored: authenticate with Authorization: Basic' }),
};

export const trackMessage = z.looseObject({ type: z.literal('track').optional(), event: z.string().min(1).max(200), properties: record.nullish(), ...common });
export const identifyMessage = z.looseObject({ type: z.literal('identify').optional(), traits: record.nullish(), ...common });
const viewShape = { name: z.string().max(200).nullish(), category: z.string().max(200).nullish(), properties: record.nullish(), ...common };
export const pageMessage = z.looseObject({ type: z.literal('page').optional(), ...viewShape });
export const screenMessage = z.looseObject({ type: z.literal('screen').optional(), ...viewShape });

export const MESSAGE_SCHEMAS = { track: trackMessage, identify: identifyMessage, page: pageMessage, screen: screenMessage } as const;

/** Segment's /v1/batch body: its `context` and `sentAt` apply to every message that has none of its own. */
export const batchEnvelope = z.looseObject({
  batch: z.array(z.unknown()).max(SEGMENT_LIMITS.batchMessages, `at most ${SEGMENT_LIMITS.batchMessages} messages per batch (Segment's limit)`).meta({ description: 'Messages, each with its `type` (track, identify, page, screen)' }),
  context: record.nullish(),
  sentAt: isoTime.optional(),
  integrations: z.unknown().optional(),
  writeKey: z.string().optional().meta({ description: 'Ignored and never stored: authenticate with Authorization: Basic' }),
});
export type BatchEnvelope = z.output<typeof batchEnvelope>;
