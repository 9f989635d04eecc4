// The shape of every aggregate: a decider (Chassaing's pattern, as Emmett and EventSourcing.NodeJS use it), whose
// decisions are values: the events to append, or an expected failure with a code.
export type Decision<Event, Failure> = { ok: true; events: Event[] } | { ok: false; error: Failure };

export interface Decider<State, Command, Event, Failure> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Decision<Event, Failure>;
}
