// What a journey's timeline says about it as moves arrive (appended, or a past revised): its current state, and
// when it converted. Read models that follow journeys keep this much, and need no more of the timeline.
import type { JourneyDefinition } from './journey-definition.ts';
import type { TimelineEntry } from './journey-events.ts';

export interface JourneyProgress {
  /** How many moves the timeline has (its last move's place; the initial state is place 0). */
  moves: number;
  state: string;
  /** Event time the current state was entered. */
  stateEnteredAt: string;
  /** The place of the move that converted (the first into a converted state), and its time. */
  convertedSeq: number | null;
  convertedAt: string | null;
}

export const startProgress = (d: JourneyDefinition, startedAt: string): JourneyProgress => ({
  moves: 0,
  state: d.initial,
  stateEnteredAt: startedAt,
  convertedSeq: null,
  convertedAt: null,
});

const advance = (d: JourneyDefinition, p: JourneyProgress, entries: readonly Pick<TimelineEntry, 'to' | 'at'>[]): JourneyProgress => {
  const next = { ...p };
  for (const t of entries) {
    next.moves++;
    next.state = t.to;
    next.stateEnteredAt = t.at;
    if (next.convertedSeq === null && d.convertedStates.includes(t.to)) {
      next.convertedSeq = next.moves;
      next.convertedAt = t.at;
    }
  }
  return next;
};

/** Moves added at the end of the timeline. */
export const progressAfterAppend = (d: JourneyDefinition, p: JourneyProgress, entries: readonly Pick<TimelineEntry, 'to' | 'at'>[]): JourneyProgress => advance(d, p, entries);

/**
 * The first `keep` moves stand and `entries` replace the rest. A conversion among the replaced moves is undone;
 * one before them stands. A revision always carries the move the journey ends in, unless it keeps none (then the
 * journey stands in its initial state since `startedAt`).
 */
export const progressAfterRevision = (d: JourneyDefinition, p: JourneyProgress, keep: number, entries: readonly Pick<TimelineEntry, 'to' | 'at'>[], startedAt: string): JourneyProgress => {
  const kept: JourneyProgress = { ...p, moves: keep };
  if (kept.convertedSeq !== null && kept.convertedSeq > keep) {
    kept.convertedSeq = null;
    kept.convertedAt = null;
  }
  if (keep === 0) {
    kept.state = d.initial;
    kept.stateEnteredAt = startedAt;
  }
  return advance(d, kept, entries);
};

/** Orders facts of one kind by event time, ties by event id: the latest one is the one that holds. */
export const factKey = (occurredAt: string, eventId: string): string => `${new Date(occurredAt).toISOString()}|${eventId}`;
