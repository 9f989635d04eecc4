// One command handler for every aggregate: fold the stream, decide, append with the expected version; several
// streams in one atomic append where the store has one; retry on conflict; a queue and a state cache per stream.
import { isExpectedVersionConflictError, type EventStore } from '@event-driven-io/emmett';
import type { Decider, Decision } from '../domain/shared/decider.ts';
import type { Failure } from '../domain/shared/errors.ts';
import { MUST_NOT_EXIST, StoreUnavailableError, type CommandStore, type StreamAppend } from '../eventstore/index.ts';
import { pooled } from './pooled.ts';

/** An aggregate as the handler needs it: its decider, where its streams are, how its stored events read back. */
export interface Aggregate<State, Command, Event extends { type: string; data: unknown }, Failure> {
  name: string;
  decider: Decider<State, Command, Event, Failure>;
  streamName(id: string): string;
  /** A stored event, typed; throws on one it cannot read (a defect: the stream is the truth). */
  decode(type: string, data: unknown): Event;
}

export interface CommandRequest<Command> {
  id: string;
  command: Command;
}

/** A request whose journey the store failed on (only where appends are per stream): its own events are unknown. */
export type StoreFailed = { ok: false; error: Failure<'store_unavailable', { cause: unknown }> };

export interface CommandHandler<Command, Event, Failure> {
  /** One command; a store failure is thrown, as from any adapter. */
  execute(store: CommandStore, id: string, command: Command): Promise<Decision<Event, Failure>>;
  /**
   * Commands on different streams, their events appended together: where the store appends atomically, in one
   * transaction (all or none: a failure stores nothing, and a retry of the same request converges on duplicates);
   * elsewhere stream by stream, each outcome its own.
   */
  executeMany(store: CommandStore, requests: CommandRequest<Command>[]): Promise<(Decision<Event, Failure> | StoreFailed)[]>;
}

const MAX_ATTEMPTS = 20;
/** Streams whose folded state this process keeps between commands (least recently used dropped first). */
const CACHED_STREAMS = 20_000;
/** Streams read at once when a batch's streams are not cached (each read holds a pooled connection). */
const READ_CONCURRENCY = 8;

const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** attempt) * (0.5 + Math.random())));

interface Folded<State> {
  state: State;
  version: bigint;
}

interface PerStore<State> {
  /** The last queued command of each stream. */
  queues: Map<string, Promise<unknown>>;
  /** The state this process last wrote or read per stream; a Map iterates in insertion order, oldest first. */
  states: Map<string, Folded<State>>;
}

/**
 * Commands on one stream from this process run one after another: racing each other, many concurrent writers to
 * one stream would mostly lose their optimistic append and could run out of attempts. A batch takes its place in
 * every stream's queue at once (synchronously), so two batches never wait on each other in a cycle. Other
 * processes still race, and the expected-version check settles that.
 */
const inStreamQueues = async <T>(queues: Map<string, Promise<unknown>>, streams: string[], fn: () => Promise<T>): Promise<T> => {
  const run = Promise.all(streams.map((s) => queues.get(s) ?? Promise.resolve())).then(fn);
  const tail = run.catch(() => undefined);
  for (const s of streams) queues.set(s, tail);
  try {
    return await run;
  } finally {
    for (const s of streams) if (queues.get(s) === tail) queues.delete(s);
  }
};

export const createCommandHandler = <State, Command, Event extends { type: string; data: unknown }, Failure>(
  aggregate: Aggregate<State, Command, Event, Failure>,
): CommandHandler<Command, Event, Failure> => {
  const { decider } = aggregate;
  const perStore = new WeakMap<EventStore, PerStore<State>>();
  const of = (eventStore: EventStore) => {
    let s = perStore.get(eventStore);
    if (!s) perStore.set(eventStore, (s = { queues: new Map(), states: new Map() }));
    return s;
  };
  const remember = (states: PerStore<State>['states'], stream: string, folded: Folded<State>) => {
    states.delete(stream);
    states.set(stream, folded);
    if (states.size > CACHED_STREAMS) states.delete(states.keys().next().value!);
  };

  const readFolded = async (eventStore: EventStore, stream: string): Promise<Folded<State> | null> => {
    const { events, currentStreamVersion, streamExists } = await eventStore.readStream(stream);
    if (!streamExists) return null;
    let state = decider.initialState();
    for (const e of events) state = decider.evolve(state, aggregate.decode(e.type, e.data));
    return { state, version: currentStreamVersion };
  };

  const appendOne = async (eventStore: EventStore, a: StreamAppend): Promise<boolean> => {
    try {
      await eventStore.appendToStream(a.streamName, a.events, { expectedStreamVersion: a.expectedStreamVersion });
      return true;
    } catch (error) {
      if (isExpectedVersionConflictError(error)) return false;
      throw error;
    }
  };

  const decideAndAppend = async (store: CommandStore, states: PerStore<State>['states'], requests: CommandRequest<Command>[]) => {
    const outcomes: (Decision<Event, Failure> | StoreFailed)[] = new Array(requests.length);
    type Pending = { command: Command; i: number; stream: string; fresh: boolean };
    let pending: Pending[] = requests.map((r, i) => ({ command: r.command, i, stream: aggregate.streamName(r.id), fresh: false }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      const folded = new Map<string, Folded<State> | null>();
      await pooled(pending, READ_CONCURRENCY, async (p) => {
        const cached = p.fresh ? undefined : states.get(p.stream);
        folded.set(p.stream, cached ?? (await readFolded(store.eventStore, p.stream)));
        p.fresh ||= cached === undefined;
      });
      const appends: { p: Pending; events: Event[]; base: Folded<State> | null }[] = [];
      const again: Pending[] = [];
      for (const p of pending) {
        const base = folded.get(p.stream)!;
        const decision = decider.decide(p.command, base?.state ?? decider.initialState());
        if (decision.ok && decision.events.length > 0) appends.push({ p, events: decision.events, base });
        else if (p.fresh) outcomes[p.i] = decision;
        else {
          states.delete(p.stream);
          again.push({ ...p, fresh: true });
        }
      }
      let lostRace = false;
      const conflict = (a: (typeof appends)[number]) => {
        lostRace ||= a.p.fresh;
        states.delete(a.p.stream);
        again.push({ ...a.p, fresh: true });
      };
      const succeeded = (a: (typeof appends)[number]) => {
        const base = a.base?.state ?? decider.initialState();
        remember(states, a.p.stream, { state: a.events.reduce(decider.evolve, base), version: (a.base?.version ?? 0n) + BigInt(a.events.length) });
        outcomes[a.p.i] = { ok: true, events: a.events };
      };
      const toAppend = (a: (typeof appends)[number]): StreamAppend => ({
        streamName: a.p.stream,
        events: a.events as unknown as StreamAppend['events'],
        expectedStreamVersion: a.base?.version ?? MUST_NOT_EXIST,
      });
      if (appends.length > 0 && store.appendAtomically) {
        if (await store.appendAtomically(appends.map(toAppend))) appends.forEach(succeeded);
        // Some stream moved on elsewhere: decide all of them again on fresh reads.
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
      if (again.length > 0 && attempt + 1 >= MAX_ATTEMPTS) {
        throw new StoreUnavailableError(`${aggregate.name}: gave up appending after ${MAX_ATTEMPTS} version conflicts (writers in other processes keep winning)`);
      }
      // A decision on a cached state goes round again at once; a race lost on a fresh read backs off first.
      if (lostRace) await backoff(attempt);
      pending = again;
    }
    return outcomes;
  };

  const executeMany: CommandHandler<Command, Event, Failure>['executeMany'] = (store, requests) => {
    const { queues, states } = of(store.eventStore);
    const streams = requests.map((r) => aggregate.streamName(r.id));
    // One command per stream: two decided on the same state would conflict with each other on every attempt.
    if (new Set(streams).size !== streams.length) throw new Error(`${aggregate.name}: executeMany takes one command per stream`);
    return inStreamQueues(queues, streams, () => decideAndAppend(store, states, requests));
  };

  return {
    executeMany,
    async execute(store, id, command) {
      const [outcome] = await executeMany(store, [{ id, command }]);
      if (!outcome!.ok && (outcome!.error as { code?: string }).code === 'store_unavailable' && 'cause' in (outcome!.error as object)) {
        throw (outcome as StoreFailed).error.cause;
      }
      return outcome as Decision<Event, Failure>;
    },
  };
};
