// Runs a journey command against any Emmett EventStore: fold the stream, decide, append with the expected version.
import { isExpectedVersionConflictError, type EventStore } from '@event-driven-io/emmett';
import { MUST_NOT_EXIST, type CommandStore } from './store.ts';
import { decide, evolve, initialState, type DecideError, type JourneyCommand, type JourneyState } from '../domain/journey-decider.ts';
import { journeyStreamName, type JourneyEvent } from '../domain/journey-events.ts';

export type CommandOutcome = { ok: true; events: JourneyEvent[] } | { ok: false; error: DecideError };

const MAX_ATTEMPTS = 20;
/** Journeys whose folded state this process keeps between commands (least recently used dropped first). */
const CACHED_STREAMS = 20_000;

const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** attempt) * (0.5 + Math.random())));

interface Folded {
  state: JourneyState;
  version: bigint;
}

interface PerStore {
  /** The last queued command of each stream. */
  queues: Map<string, Promise<unknown>>;
  /** The state this process last wrote or read per stream; a Map iterates in insertion order, oldest first. */
  states: Map<string, Folded>;
}

const perStore = new WeakMap<EventStore, PerStore>();

const of = (eventStore: EventStore): PerStore => {
  let s = perStore.get(eventStore);
  if (!s) perStore.set(eventStore, (s = { queues: new Map(), states: new Map() }));
  return s;
};

/**
 * Commands on one stream from this process run one after another: racing each other, many concurrent writers to
 * one journey would mostly lose their optimistic append and could run out of attempts. Other processes still
 * race, and the expected-version check settles that.
 */
const inStreamQueue = async <T>(queues: PerStore['queues'], stream: string, fn: () => Promise<T>): Promise<T> => {
  const run = (queues.get(stream) ?? Promise.resolve()).then(fn);
  const tail = run.catch(() => undefined);
  queues.set(stream, tail);
  try {
    return await run;
  } finally {
    if (queues.get(stream) === tail) queues.delete(stream);
  }
};

const remember = (states: PerStore['states'], stream: string, folded: Folded) => {
  states.delete(stream);
  states.set(stream, folded);
  if (states.size > CACHED_STREAMS) states.delete(states.keys().next().value!);
};

/**
 * Optimistic concurrency: a writer that lost the race reads the stream again and decides again, so a repeated
 * event_id sent concurrently is still stored once.
 */
export const executeJourneyCommand = (store: CommandStore, guid: string, command: JourneyCommand): Promise<CommandOutcome> => {
  const stream = journeyStreamName(guid);
  const { queues, states } = of(store.eventStore);
  return inStreamQueue(queues, stream, () => decideAndAppend(store, states, stream, command));
};

const readFolded = async (eventStore: EventStore, stream: string): Promise<Folded | null> => {
  const { state, currentStreamVersion, streamExists } = await eventStore.aggregateStream<JourneyState, JourneyEvent>(stream, {
    evolve,
    initialState,
  });
  return streamExists ? { state, version: currentStreamVersion } : null;
};

/** Appends at `expected`; false when the stream has moved on (another process wrote to it). */
const appendAt = async (store: CommandStore, stream: string, events: JourneyEvent[], expected: bigint): Promise<boolean> => {
  if (store.appendAtomically) return store.appendAtomically([{ streamName: stream, events, expectedStreamVersion: expected }]);
  try {
    await store.eventStore.appendToStream<JourneyEvent>(stream, events, { expectedStreamVersion: expected });
    return true;
  } catch (error) {
    if (isExpectedVersionConflictError(error)) return false;
    throw error;
  }
};

/**
 * The state this process folded last time is used without reading the stream again: the append's expected
 * version proves it is still the newest, and a conflict drops it. A refusal or a no-op decided on it is
 * confirmed on a fresh read, since only an append checks the version.
 */
const decideAndAppend = async (store: CommandStore, states: PerStore['states'], stream: string, command: JourneyCommand): Promise<CommandOutcome> => {
  for (let attempt = 0; ; attempt++) {
    const cached = states.get(stream);
    const folded = cached ?? (await readFolded(store.eventStore, stream));
    const decision = decide(command, folded?.state ?? initialState());
    if (!decision.ok || decision.events.length === 0) {
      if (!cached) return decision;
      states.delete(stream);
      continue;
    }
    if (await appendAt(store, stream, decision.events, folded?.version ?? MUST_NOT_EXIST)) {
      const base = folded?.state ?? initialState();
      remember(states, stream, {
        state: decision.events.reduce(evolve, base),
        version: (folded?.version ?? 0n) + BigInt(decision.events.length),
      });
      return decision;
    }
    states.delete(stream);
    if (attempt + 1 >= MAX_ATTEMPTS) throw new Error(`Gave up appending to ${stream} after ${MAX_ATTEMPTS} version conflicts`);
    if (!cached) await backoff(attempt);
  }
};
