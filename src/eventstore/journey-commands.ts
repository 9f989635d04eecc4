// Runs a journey command against any Emmett EventStore: fold the stream, decide, append with the expected version.
import { isExpectedVersionConflictError, type EventStore } from '@event-driven-io/emmett';
import { MUST_NOT_EXIST } from './store.ts';
import { decide, evolve, initialState, type DecideError, type JourneyCommand } from '../domain/journey-decider.ts';
import { journeyStreamName, type JourneyEvent } from '../domain/journey-events.ts';

export type CommandOutcome = { ok: true; events: JourneyEvent[] } | { ok: false; error: DecideError };

const MAX_ATTEMPTS = 20;

const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 ** attempt) * (0.5 + Math.random())));

// Per store, the last queued command of each stream.
const queues = new WeakMap<EventStore, Map<string, Promise<unknown>>>();

/**
 * Commands on one stream from this process run one after another: racing each other, many concurrent writers to
 * one journey would mostly lose their optimistic append and could run out of attempts. Other processes still
 * race, and the expected-version check settles that.
 */
const inStreamQueue = async <T>(eventStore: EventStore, stream: string, fn: () => Promise<T>): Promise<T> => {
  let streams = queues.get(eventStore);
  if (!streams) queues.set(eventStore, (streams = new Map()));
  const run = (streams.get(stream) ?? Promise.resolve()).then(fn);
  const tail = run.catch(() => undefined);
  streams.set(stream, tail);
  try {
    return await run;
  } finally {
    if (streams.get(stream) === tail) streams.delete(stream);
  }
};

/**
 * Optimistic concurrency: a writer that lost the race reads the stream again and decides again, so a repeated
 * event_id sent concurrently is still stored once.
 */
export const executeJourneyCommand = (eventStore: EventStore, guid: string, command: JourneyCommand): Promise<CommandOutcome> =>
  inStreamQueue(eventStore, journeyStreamName(guid), () => decideAndAppend(eventStore, journeyStreamName(guid), command));

const decideAndAppend = async (eventStore: EventStore, stream: string, command: JourneyCommand): Promise<CommandOutcome> => {
  for (let attempt = 0; ; attempt++) {
    const { state, currentStreamVersion, streamExists } = await eventStore.aggregateStream<ReturnType<typeof initialState>, JourneyEvent>(
      stream,
      { evolve, initialState },
    );
    const decision = decide(command, state);
    if (!decision.ok || decision.events.length === 0) return decision;
    try {
      await eventStore.appendToStream<JourneyEvent>(stream, decision.events, {
        expectedStreamVersion: streamExists ? currentStreamVersion : MUST_NOT_EXIST,
      });
      return decision;
    } catch (error) {
      if (!isExpectedVersionConflictError(error) || attempt + 1 >= MAX_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
};
