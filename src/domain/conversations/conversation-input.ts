// What the conversation fold reads: a conversation's opening and its events, compacted to the fields the fold and the
// lifecycle rules read, and put in one event-time order that agrees with the journey timeline's.
import { conversation, fieldsRead, lifecycleRank, type ConversationCategories, type JourneyCreatedData, type TimelineEntry, type TrackingEvent } from '../journeys/index.ts';
import type { Actor, Channel } from '../shared/channels.ts';

export interface ConversationOpening {
  guid: string;
  /** Event time at which the conversation started (ISO). */
  startedAt: string;
  platform: string | null;
  parentGuid: string | null;
  categories: ConversationCategories;
}

/** A logged event as the fold keeps it (details: only FOLD_FIELDS). */
export type ConversationEvent = Pick<TrackingEvent, 'event_id' | 'event_type' | 'channel' | 'occurred_at' | 'details'> & { actor: Actor | null };

/** An explicit transition request (POST .../transition): a lifecycle fact of its own. */
export type ExplicitMove = Pick<TimelineEntry, 'to' | 'at' | 'fact_id'>;

export type ConversationItem = { kind: 'event'; event: ConversationEvent } | { kind: 'explicit'; move: ExplicitMove };

/**
 * The details fields anything downstream reads: the fold (authors, teams, agents, categories) and the lifecycle
 * rules (opt-out replies, machine flags). The rest of a payload is not copied into the conversations' own log.
 */
const FOLD_FIELDS = [
  'source', 'sender', 'agent_id', 'team', 'to_team', 'from_team', 'from_agent_id', 'resolved_by',
  'department', 'query_nature', 'language', 'priority', 'keyword', 'text', 'classification', 'machine',
] as const;

/** The fields of `details` the fold reads, and any a lifecycle rule of the event's type reads. */
export const compactDetails = (details: Readonly<Record<string, unknown>>, eventType = ''): Record<string, unknown> =>
  Object.fromEntries([...FOLD_FIELDS, ...fieldsRead(conversation, eventType)].filter((f) => details[f] !== undefined).map((f) => [f, details[f]]));

export const compactEvent = (e: Pick<TrackingEvent, 'event_id' | 'event_type' | 'channel' | 'occurred_at' | 'details' | 'actor'>): ConversationEvent => ({
  event_id: e.event_id,
  event_type: e.event_type,
  channel: e.channel as Channel,
  occurred_at: e.occurred_at,
  actor: e.actor,
  details: compactDetails(e.details, e.event_type),
});

export const openingOf = (d: Pick<JourneyCreatedData, 'guid' | 'started_at' | 'created_at' | 'platform' | 'parent_guid' | 'categories'>): ConversationOpening => ({
  guid: d.guid,
  startedAt: new Date(d.started_at ?? d.created_at).toISOString(),
  platform: d.platform ?? null,
  parentGuid: d.parent_guid ?? null,
  categories: { ...(d.categories ?? {}) },
});

/** The id an explicit move has among the lifecycle facts (journey-timeline's explicitFact). */
export const explicitId = (m: ExplicitMove): string => m.fact_id ?? `explicit:${m.at}:${m.to}`;

export interface OrderedItem {
  item: ConversationItem;
  id: string;
  at: number;
  /** 0 for logged events, 1 for explicit moves: at the same instant an explicit move comes last, as in compareFacts. */
  explicit: number;
  rank: number;
}

/** After every lifecycle rank: an event that moves nothing (a message out) comes after same-instant moves. */
const NO_RANK = conversation.progress.length + 1;

/**
 * Sorted by (time, explicit, lifecycle rank, id): the journey timeline's own order for lifecycle facts
 * (compareFacts), with the other events slotted in by the same key, so any arrival order folds alike.
 */
export const orderItems = (items: readonly ConversationItem[]): OrderedItem[] =>
  items
    .map((item): OrderedItem =>
      item.kind === 'event'
        ? { item, id: item.event.event_id, at: Date.parse(item.event.occurred_at), explicit: 0, rank: lifecycleRank(conversation, item.event.event_type) ?? NO_RANK }
        : { item, id: explicitId(item.move), at: Date.parse(item.move.at), explicit: 1, rank: 0 },
    )
    .sort((a, b) => a.at - b.at || a.explicit - b.explicit || a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
