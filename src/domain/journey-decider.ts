// The generic journey decider: interprets a JourneyDefinition to enforce lifecycle and idempotency.
import { JOURNEY_KINDS } from './journey-kinds.ts';
import { canTransition, impliedTarget, isState, type JourneyDefinition } from './journey-definition.ts';
import type { JourneyCreatedData, JourneyEvent, JourneyTransitionedData } from './journey-events.ts';
import type { TrackingEvent } from './tracking-event.ts';

export interface JourneyState {
  exists: boolean;
  definition: JourneyDefinition | null;
  state: string | null;
  stateEnteredAt: string | null;
  /**
   * Every event_id already in the stream. Shared between successive states (append-only) so that folding a
   * long stream stays linear; no earlier state is read after a later one is produced.
   */
  seen: Set<string>;
}

export type JourneyCommand =
  | { type: 'CreateJourney'; data: JourneyCreatedData }
  | { type: 'LogEvents'; data: { events: TrackingEvent[] } }
  | {
      type: 'RequestTransition';
      data: { guid: string; to: string; at: string; reason: string | null; metadata: Record<string, unknown> | null };
    };

export type DecideError =
  | { code: 'unknown_guid'; message: string }
  | { code: 'journey_exists'; message: string }
  | { code: 'invalid_state'; message: string }
  | { code: 'invalid_transition'; message: string; from: string; to: string };

export type Decision = { ok: true; events: JourneyEvent[] } | { ok: false; error: DecideError };

export const initialState = (): JourneyState => ({
  exists: false,
  definition: null,
  state: null,
  stateEnteredAt: null,
  seen: new Set(),
});

export const evolve = (s: JourneyState, e: JourneyEvent): JourneyState => {
  switch (e.type) {
    case 'JourneyCreated': {
      const definition = JOURNEY_KINDS[e.data.kind];
      return { ...s, exists: true, definition, state: definition.initial, stateEnteredAt: e.data.created_at };
    }
    case 'TrackingEventLogged':
      s.seen.add(e.data.event_id);
      return s;
    case 'JourneyTransitioned':
      return { ...s, state: e.data.to, stateEnteredAt: e.data.at };
  }
};

const laterOf = (a: string, b: string | null): string => (b !== null && Date.parse(b) > Date.parse(a) ? b : a);

const transition = (guid: string, from: string, to: string, at: string, rest: Partial<JourneyTransitionedData>): JourneyEvent => ({
  type: 'JourneyTransitioned',
  data: { guid, from, to, at, cause_event_id: null, trigger: 'explicit', reason: null, metadata: null, ...rest },
});

/**
 * Logs events in order. A repeated event_id produces nothing. An event implies a move only when the move is
 * allowed and the event is not late (it happened after the current state was entered); a late event is
 * still stored, it just does not move the state.
 */
const logEvents = (events: TrackingEvent[], s: JourneyState): JourneyEvent[] => {
  const out: JourneyEvent[] = [];
  const seen = new Set(s.seen);
  let { state, stateEnteredAt } = s;
  const d = s.definition!;
  for (const e of events) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    out.push({ type: 'TrackingEventLogged', data: e });
    const late = stateEnteredAt !== null && Date.parse(e.occurred_at) < Date.parse(stateEnteredAt);
    const to = late ? undefined : impliedTarget(d, state!, e.event_type, e.details);
    if (to === undefined) continue;
    const at = laterOf(e.occurred_at, stateEnteredAt);
    out.push(transition(e.guid, state!, to, at, { cause_event_id: e.event_id, trigger: 'event', metadata: { event_type: e.event_type } }));
    state = to;
    stateEnteredAt = at;
  }
  return out;
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

  const { to, guid } = command.data;
  const d = s.definition;
  if (!isState(d, to)) {
    return { ok: false, error: { code: 'invalid_state', message: `${to} is not a state of a ${d.kind} journey` } };
  }
  // Asking for the current state again is a retry, not an error.
  if (to === s.state) return { ok: true, events: [] };
  if (!canTransition(d, s.state, to)) {
    return {
      ok: false,
      error: { code: 'invalid_transition', message: `Cannot go from ${s.state} to ${to}`, from: s.state, to },
    };
  }
  const at = laterOf(command.data.at, s.stateEnteredAt);
  return { ok: true, events: [transition(guid, s.state, to, at, { reason: command.data.reason, metadata: command.data.metadata })] };
};

