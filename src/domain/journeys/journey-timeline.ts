// A journey's lifecycle by event time: its facts sorted by when they happened, folded into the timeline of moves.
import { canTransition, fieldsRead, impliedTarget, lifecycleRank, type JourneyDefinition } from './journey-definition.ts';
import type { TimelineEntry } from './journey-events.ts';
import { isOptOutReply } from './opt-out.ts';
import { isMachineFlagged } from '../shared/machine-flag.ts';
import type { TrackingEvent } from './tracking-event.ts';

/**
 * What can move a journey: a logged event whose type implies a state, or an explicit transition request. The
 * sort key (at, explicit, rank, id) does not depend on arrival order, so any order of the same facts folds to
 * the same timeline.
 */
export interface LifecycleFact {
  id: string;
  at: number;
  atIso: string;
  explicit: boolean;
  rank: number;
  eventType: string;
  /** Only the fields the kind's rules read. */
  details: Readonly<Record<string, unknown>>;
  optOut: boolean;
  /** Explicit requests: the state asked for, and the request's reason and metadata. */
  to?: string;
  reason?: string | null;
  metadata?: Record<string, unknown> | null;
}

export const compareFacts = (a: LifecycleFact, b: LifecycleFact): number =>
  a.at - b.at || Number(a.explicit) - Number(b.explicit) || a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The lifecycle fact of a tracking event, or null when its type can move no journey of this kind. */
export const trackingFact = (d: JourneyDefinition, e: Pick<TrackingEvent, 'event_id' | 'event_type' | 'channel' | 'occurred_at' | 'details'>): LifecycleFact | null => {
  const rank = lifecycleRank(d, e.event_type);
  // A scanner's click or a proxy's open is stored, but it is not the customer: it moves nothing.
  if (rank === undefined || isMachineFlagged(e.details)) return null;
  const at = Date.parse(e.occurred_at);
  return {
    id: e.event_id,
    at,
    atIso: new Date(at).toISOString(),
    explicit: false,
    rank,
    eventType: e.event_type,
    details: Object.fromEntries(fieldsRead(d, e.event_type).filter((f) => f in e.details).map((f) => [f, e.details[f]])),
    optOut: isOptOutReply(e.event_type, e.channel, e.details),
  };
};

export const explicitFact = (t: Pick<TimelineEntry, 'to' | 'at' | 'reason' | 'metadata' | 'fact_id'>): LifecycleFact => {
  const at = Date.parse(t.at);
  return {
    // Transitions stored before requests had ids are told apart by what they asked for and when.
    id: t.fact_id ?? `explicit:${t.at}:${t.to}`,
    at,
    atIso: new Date(at).toISOString(),
    explicit: true,
    rank: 0,
    eventType: t.to,
    details: {},
    optOut: false,
    to: t.to,
    reason: t.reason,
    metadata: t.metadata,
  };
};

/** Inserts `f` in sort order, in place; appending is the common case and costs nothing more. */
export const insertFact = (facts: LifecycleFact[], f: LifecycleFact): void => {
  let i = facts.length;
  while (i > 0 && compareFacts(facts[i - 1]!, f) > 0) i--;
  facts.splice(i, 0, f);
};

export interface JourneyClock {
  definition: JourneyDefinition;
  /** Event time at which the journey entered its initial state. */
  startIso: string;
}

/**
 * The moves of a journey, by event time: each fact in order either moves the state (an implied move that is
 * allowed and forward; an explicit request that is allowed from the state it finds) or is only a touch. A fact
 * dated before the journey's start never moves it.
 */
export const foldTimeline = (clock: JourneyClock, facts: readonly LifecycleFact[]): TimelineEntry[] => {
  const d = clock.definition;
  const start = Date.parse(clock.startIso);
  const out: TimelineEntry[] = [];
  let state = d.initial;
  for (const f of facts) {
    if (f.at < start) continue;
    if (f.explicit) {
      if (f.to === state || !canTransition(d, state, f.to!)) continue;
      out.push({ from: state, to: f.to!, at: f.atIso, cause_event_id: null, trigger: 'explicit', reason: f.reason ?? null, metadata: f.metadata ?? null, fact_id: f.id });
      state = f.to!;
      continue;
    }
    const to = impliedTarget(d, state, f);
    if (to === undefined) continue;
    out.push({ from: state, to, at: f.atIso, cause_event_id: f.id, trigger: 'event', reason: null, metadata: { event_type: f.eventType } });
    state = to;
  }
  return out;
};

/** The state a timeline ends in, and when it was entered. */
export const currentOf = (clock: JourneyClock, timeline: readonly TimelineEntry[]): { state: string; enteredAt: string } => {
  const last = timeline.at(-1);
  return last ? { state: last.to, enteredAt: last.at } : { state: clock.definition.initial, enteredAt: clock.startIso };
};

const sameEntry = (a: TimelineEntry, b: TimelineEntry): boolean =>
  a.from === b.from && a.to === b.to && Date.parse(a.at) === Date.parse(b.at) && a.cause_event_id === b.cause_event_id && a.trigger === b.trigger && a.fact_id === b.fact_id;

export type TimelineChange = { kind: 'none' } | { kind: 'append'; entries: TimelineEntry[] } | { kind: 'revise'; keep: number; entries: TimelineEntry[] };

/** How `after` differs from `before`: nothing, moves added at the end, or a past rewritten from `keep` on. */
export const diffTimeline = (before: readonly TimelineEntry[], after: readonly TimelineEntry[]): TimelineChange => {
  let k = 0;
  while (k < before.length && k < after.length && sameEntry(before[k]!, after[k]!)) k++;
  if (k === before.length && k === after.length) return { kind: 'none' };
  if (k === before.length) return { kind: 'append', entries: after.slice(k) };
  // A revision always carries the move the journey now ends in (or keeps none), so a reader of the stream knows
  // the current state without looking back.
  const keep = Math.min(k, Math.max(0, after.length - 1));
  return { kind: 'revise', keep, entries: after.slice(keep) };
};

/** The first time the timeline reached a converted state, or null. */
export const conversionOf = (d: JourneyDefinition, timeline: readonly Pick<TimelineEntry, 'to' | 'at'>[]): string | null =>
  timeline.find((t) => d.convertedStates.includes(t.to))?.at ?? null;
