// The generic journey decider: interprets a JourneyDefinition to enforce lifecycle and idempotency, by event time.
import { JOURNEY_KINDS } from './journey-kinds.ts';
import { NO_ACTIVITY, withActivity, type IdleJudge, type JourneyActivity } from './journey-activity.ts';
import { canTransition, isState, type JourneyDefinition } from './journey-definition.ts';
import { journeyStart, type JourneyCreatedData, type JourneyEvent, type TimelineEntry } from './journey-events.ts';
import { currentOf, diffTimeline, explicitFact, foldTimeline, insertFact, trackingFact, type JourneyClock, type LifecycleFact } from './journey-timeline.ts';
import type { TrackingEvent } from './tracking-event.ts';
import type { Decider, Decision as SharedDecision } from '../shared/decider.ts';
import type { Failure } from '../shared/errors.ts';

export interface JourneyState {
  exists: boolean;
  guid: string | null;
  definition: JourneyDefinition | null;
  /** Event time at which the journey's clock started. */
  startedAt: string | null;
  /** The state the stream's decisions left the journey in, and when it was entered (event time). */
  state: string | null;
  stateEnteredAt: string | null;
  /**
   * Shared between successive states (append-only, mutated in place by evolve) so that folding a long stream stays
   * linear; no earlier state is read after a later one is produced, and decide never mutates them.
   * - seen: every event_id already in the stream;
   * - facts: the lifecycle facts, sorted by event time;
   * - timeline: the moves the stream has decided so far (what the journey query shows).
   */
  seen: Set<string>;
  facts: LifecycleFact[];
  timeline: TimelineEntry[];
  /** How recently anything happened on the journey (event time): what the idle limits read. */
  activity: JourneyActivity;
}

export type JourneyCommand =
  | { type: 'CreateJourney'; data: JourneyCreatedData }
  | { type: 'LogEvents'; data: { events: TrackingEvent[] } }
  | {
      type: 'RequestTransition';
      data: { guid: string; to: string; at: string; reason: string | null; metadata: Record<string, unknown> | null; fact_id: string };
    }
  /**
   * The TTL worker's: `judge` looks at the stream's own state and activity and names the event that ends its idle
   * period (SESSION_EXPIRED, ABANDONED) or none. Judged here, on the stream, because the read model that nominated the
   * journey may be behind it: activity it has not projected yet keeps the journey from being expired.
   */
  | { type: 'ExpireIdle'; data: { guid: string; judge: IdleJudge } };

export type DecideError =
  | Failure<'unknown_guid'>
  | Failure<'journey_exists'>
  | Failure<'invalid_state'>
  | Failure<'invalid_transition', { from: string; to: string }>;

export type Decision = SharedDecision<JourneyEvent, DecideError>;

export const initialState = (): JourneyState => ({
  exists: false,
  guid: null,
  definition: null,
  startedAt: null,
  state: null,
  stateEnteredAt: null,
  seen: new Set(),
  facts: [],
  timeline: [],
  activity: NO_ACTIVITY,
});

const clockOf = (s: JourneyState): JourneyClock => ({ definition: s.definition!, startIso: s.startedAt! });

const withCurrent = (s: JourneyState): JourneyState => {
  const { state, enteredAt } = currentOf(clockOf(s), s.timeline);
  return { ...s, state, stateEnteredAt: enteredAt };
};

export const evolve = (s: JourneyState, e: JourneyEvent): JourneyState => {
  switch (e.type) {
    case 'JourneyCreated': {
      const definition = JOURNEY_KINDS[e.data.kind];
      const startedAt = new Date(journeyStart(e.data)).toISOString();
      return { ...s, exists: true, guid: e.data.guid, definition, startedAt, state: definition.initial, stateEnteredAt: startedAt };
    }
    case 'TrackingEventLogged': {
      s.seen.add(e.data.event_id);
      const fact = s.definition ? trackingFact(s.definition, e.data) : null;
      if (fact) insertFact(s.facts, fact);
      return s.definition ? { ...s, activity: withActivity(s.activity, s.definition, e.data) } : s;
    }
    case 'JourneyTransitioned': {
      const { guid: _guid, ...entry } = e.data;
      if (entry.trigger === 'explicit') {
        const fact = explicitFact(entry);
        insertFact(s.facts, fact);
        s.timeline.push({ ...entry, fact_id: fact.id });
      } else s.timeline.push(entry);
      return withCurrent(s);
    }
    case 'JourneyTimelineRevised':
      s.timeline.splice(e.data.keep, s.timeline.length - e.data.keep, ...e.data.transitions);
      return withCurrent(s);
  }
};

/** The stream events that take the decided timeline from `before` to `after`. */
const timelineEvents = (guid: string, before: readonly TimelineEntry[], after: TimelineEntry[], cause: string | null): JourneyEvent[] => {
  const change = diffTimeline(before, after);
  if (change.kind === 'none') return [];
  if (change.kind === 'append') return change.entries.map((t) => ({ type: 'JourneyTransitioned', data: { guid, ...t } }));
  return [{ type: 'JourneyTimelineRevised', data: { guid, keep: change.keep, transitions: change.entries, cause_event_id: cause } }];
};

/**
 * Logs events. A repeated event_id produces nothing. The timeline is the fold of every lifecycle fact by event
 * time, so a late event lands where it happened: it may add or remove moves in the past (a revision), and it
 * moves the current state only as far as the events' own times say.
 */
const logEvents = (events: TrackingEvent[], s: JourneyState): JourneyEvent[] => {
  const out: JourneyEvent[] = [];
  const seen = new Set<string>();
  const facts = [...s.facts];
  let lastFact: string | null = null;
  for (const e of events) {
    if (s.seen.has(e.event_id) || seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    out.push({ type: 'TrackingEventLogged', data: e });
    const fact = trackingFact(s.definition!, e);
    if (!fact) continue;
    insertFact(facts, fact);
    lastFact = e.event_id;
  }
  if (lastFact === null) return out;
  return [...out, ...timelineEvents(s.guid!, s.timeline, foldTimeline(clockOf(s), facts), lastFact)];
};

/** The earliest time an explicit move may take: after every fact, and strictly after an explicit one (ids would order a tie by chance). */
const earliestMoveAt = (s: JourneyState): number => {
  const last = s.facts.at(-1);
  return Math.max(Date.parse(s.stateEnteredAt!), last ? last.at + (last.explicit ? 1 : 0) : Number.NEGATIVE_INFINITY);
};

/** The judge's event, logged like any other (a repeat of its id, or a stream that moved on, gives nothing). */
const expireIdle = (judge: IdleJudge, s: JourneyState): JourneyEvent[] => {
  const clock = clockOf(s);
  const { state, enteredAt } = currentOf(clock, foldTimeline(clock, s.facts));
  const event = judge({ guid: s.guid!, kind: s.definition!.kind, state, stateEnteredAt: enteredAt, activity: s.activity });
  return event ? logEvents([event], s) : [];
};

export const decide = (command: JourneyCommand, s: JourneyState): Decision => {
  if (command.type === 'CreateJourney') {
    if (s.exists) return { ok: false, error: { code: 'journey_exists', message: `Journey ${command.data.guid} exists` } };
    return { ok: true, events: [{ type: 'JourneyCreated', data: command.data }] };
  }
  if (!s.exists || !s.definition || s.state === null) {
    const guid = command.type === 'LogEvents' ? command.data.events[0]?.guid : command.data.guid;
    return { ok: false, error: { code: 'unknown_guid', message: `No journey with GUID ${guid}` } };
  }
  if (command.type === 'LogEvents') return { ok: true, events: logEvents(command.data.events, s) };
  if (command.type === 'ExpireIdle') return { ok: true, events: expireIdle(command.data.judge, s) };

  const { to, guid } = command.data;
  const d = s.definition;
  if (!isState(d, to)) {
    return { ok: false, error: { code: 'invalid_state', message: `${to} is not a state of a ${d.kind} journey` } };
  }
  // Checked against the state the journey is in by event time (a stream decided by older rules is brought in line first).
  const folded = foldTimeline(clockOf(s), s.facts);
  const current = currentOf(clockOf(s), folded).state;
  // Asking for the current state again is a retry, not an error.
  if (to === current) return { ok: true, events: timelineEvents(guid, s.timeline, folded, null) };
  if (!canTransition(d, current, to)) {
    return { ok: false, error: { code: 'invalid_transition', message: `Cannot go from ${current} to ${to}`, from: current, to } };
  }
  // The move happens now, but never before a fact the journey already has: the timeline only goes forward.
  const at = new Date(Math.max(Date.parse(command.data.at), earliestMoveAt(s))).toISOString();
  const entry: TimelineEntry = { from: current, to, at, cause_event_id: null, trigger: 'explicit', reason: command.data.reason, metadata: command.data.metadata, fact_id: command.data.fact_id };
  return { ok: true, events: [...timelineEvents(guid, s.timeline, folded, null), { type: 'JourneyTransitioned', data: { guid, ...entry } }] };
};

/** The journey aggregate: one stream per GUID (`journey-<GUID>`). */
export const journeyDecider: Decider<JourneyState, JourneyCommand, JourneyEvent, DecideError> = { initialState, evolve, decide };
