// Runs journey commands against any Emmett EventStore: fold each stream, decide, append with the expected versions,
// several journeys in one atomic append where the store has one.
import { isExpectedVersionConflictError, type EventStore } from '@event-driven-io/emmett';
import { MUST_NOT_EXIST, type CommandStore, type StreamAppend } from './store.ts';
import { decide, evolve, initialState, type DecideError, type JourneyCommand, type JourneyState } from '../domain/journey-decider.ts';
import { journeyStreamName, type JourneyEvent } from '../domain/journey-events.ts';

export type CommandOutcome = { ok: true; events: JourneyEvent[] } | { ok: false; error: DecideError };

const MAX_ATTEMPTS = 20;
/** Journeys whose folded state this process keeps between commands (least recently used dropped first). */
const CACHED_STREAMS = 20_000;
/** Streams read at once when a batch's journeys are not cached (each read holds a pooled connection). */
const READ_CONCURRENCY = 8;

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
 * one journey would mostly lose their optimistic append and could run out of attempts. A batch takes its place in
 * every stream's queue at once (synchronously), so two batches never wait on each other in a cycle. Other
 * processes still race, and the expected-version check settles that.
 */
const inStreamQueues = async <T>(queues: PerStore['queues'], streams: string[], fn: () => Promise<T>): Promise<T> => {
  const run = Promise.all(streams.map((s) => queues.get(s) ?? Promise.resolve())).then(fn);
  const tail = run.catch(() => undefined);
  for (const s of streams) queues.set(s, tail);
  try {
    return await run;
  } finally {
    for (const s of streams) if (queues.get(s) === tail) queues.delete(s);
  }
};

const remember = (states: PerStore['states'], stream: string, folded: Folded) => {
  states.delete(stream);
  states.set(stream, folded);
  if (states.size > CACHED_STREAMS) states.delete(states.keys().next().value!);
};

const readFolded = async (eventStore: EventStore, stream: string): Promise<Folded | null> => {
  const { state, currentStreamVersion, streamExists } = await eventStore.aggregateStream<JourneyState, JourneyEvent>(stream, {
    evolve,
    initialState,
  });
  return streamExists ? { state, version: currentStreamVersion } : null;
};

/** Appends at `expected`; false when the stream has moved on (another process wrote to it). */
const appendOne = async (eventStore: EventStore, a: StreamAppend): Promise<boolean> => {
  try {
    await eventStore.appendToStream<JourneyEvent>(a.streamName, a.events as JourneyEvent[], { expectedStreamVersion: a.expectedStreamVersion });
    return true;
  } catch (error) {
    if (isExpectedVersionConflictError(error)) return false;
    throw error;
  }
};

export interface JourneyCommandRequest {
  guid: string;
  command: JourneyCommand;
}

/** A journey's command failed on the store (not on the lifecycle): only its own events are unknown. */
export type BatchOutcome = CommandOutcome | { ok: false; error: { code: 'store_unavailable'; message: string; cause: unknown } };

const pooled = async <T>(items: T[], n: number, fn: (item: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
};

/**
 * Decides every command, each on its journey's state, and appends all their events together: where the store
 * appends atomically, in one transaction (all journeys or none: a failure stores nothing, and a retry of the same
 * request converges on duplicates); elsewhere journey by journey, each outcome its own. The state this process
 * folded last time is used without reading the stream again: the append's expected version proves it is still
 * the newest, and a conflict drops it. A refusal or a no-op decided on it is confirmed on a fresh read, since only
 * an append checks the version.
 */
export const executeJourneyCommands = (store: CommandStore, requests: JourneyCommandRequest[]): Promise<BatchOutcome[]> => {
  const { queues, states } = of(store.eventStore);
  const streams = requests.map((r) => journeyStreamName(r.guid));
  // One command per journey: two decided on the same state would conflict with each other on every attempt.
  if (new Set(streams).size !== streams.length) throw new Error('executeJourneyCommands takes one command per journey');
  return inStreamQueues(queues, streams, () => decideAndAppend(store, states, requests));
};

const decideAndAppend = async (store: CommandStore, states: PerStore['states'], requests: JourneyCommandRequest[]): Promise<BatchOutcome[]> => {
  const outcomes: BatchOutcome[] = new Array(requests.length);
  let pending = requests.map((r, i) => ({ ...r, i, stream: journeyStreamName(r.guid), fresh: false }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    const folded = new Map<string, Folded | null>();
    await pooled(pending, READ_CONCURRENCY, async (p) => {
      const cached = p.fresh ? undefined : states.get(p.stream);
      folded.set(p.stream, cached ?? (await readFolded(store.eventStore, p.stream)));
      p.fresh ||= cached === undefined;
    });
    const appends: { p: (typeof pending)[number]; events: JourneyEvent[]; base: Folded | null }[] = [];
    const again: typeof pending = [];
    for (const p of pending) {
      const base = folded.get(p.stream)!;
      const decision = decide(p.command, base?.state ?? initialState());
      if (decision.ok && decision.events.length > 0) appends.push({ p, events: decision.events, base });
      else if (p.fresh) outcomes[p.i] = decision;
      else {
        states.delete(p.stream);
        again.push({ ...p, fresh: true });
      }
    }
    const succeeded = (a: (typeof appends)[number]) => {
      remember(states, a.p.stream, { state: a.events.reduce(evolve, a.base?.state ?? initialState()), version: (a.base?.version ?? 0n) + BigInt(a.events.length) });
      outcomes[a.p.i] = { ok: true, events: a.events };
    };
    let lostRace = false;
    const conflict = (a: (typeof appends)[number]) => {
      lostRace ||= a.p.fresh;
      states.delete(a.p.stream);
      again.push({ ...a.p, fresh: true });
    };
    const toAppend = (a: (typeof appends)[number]): StreamAppend => ({ streamName: a.p.stream, events: a.events, expectedStreamVersion: a.base?.version ?? MUST_NOT_EXIST });
    if (appends.length > 0 && store.appendAtomically) {
      if (await store.appendAtomically(appends.map(toAppend))) appends.forEach(succeeded);
      // Some journey moved on elsewhere: decide all of them again on fresh reads.
      else appends.forEach(conflict);
    } else {
      for (const a of appends) {
        try {
          if (await appendOne(store.eventStore, toAppend(a))) succeeded(a);
          else conflict(a);
        } catch (cause) {
          states.delete(a.p.stream);
          outcomes[a.p.i] = { ok: false, error: { code: 'store_unavailable', message: `Appending to ${a.p.stream} failed`, cause } };
        }
      }
    }
    if (again.length > 0 && attempt + 1 >= MAX_ATTEMPTS) throw new Error(`Gave up appending after ${MAX_ATTEMPTS} version conflicts`);
    // A decision on a cached state goes round again at once; a race lost on a fresh read backs off first.
    if (lostRace) await backoff(attempt);
    pending = again;
  }
  return outcomes;
};

/** One command on one journey (the batch of one). A store failure is thrown, as from any adapter. */
export const executeJourneyCommand = async (store: CommandStore, guid: string, command: JourneyCommand): Promise<CommandOutcome> => {
  const [outcome] = await executeJourneyCommands(store, [{ guid, command }]);
  if (!outcome!.ok && outcome!.error.code === 'store_unavailable') throw (outcome!.error as { cause: unknown }).cause;
  return outcome as CommandOutcome;
};
