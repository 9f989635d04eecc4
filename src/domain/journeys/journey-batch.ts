// A batch of the global log as a journey read model sees it: the journey streams' events, typed, with their GUIDs,
// and which journeys the batch created (those have no rows to read yet).
import { decodeJourneyEvent } from './journey-event-codec.ts';
import { JOURNEY_STREAM_PREFIX, type JourneyEvent } from './journey-events.ts';

/** What a log entry tells a reader (the global log's entries have more). */
export interface StoredEntry {
  streamId: string;
  streamPosition: bigint;
  type: string;
  data: unknown;
}

export interface JourneyBatch<E extends StoredEntry> {
  items: { guid: string; event: JourneyEvent; entry: E }[];
  /** Journeys created in this batch. */
  created: Set<string>;
  /** Journeys of the batch that existed before it (their rows are read). */
  earlier: string[];
}

/** Throws on an event it cannot read (the runner quarantines that event). */
export const journeyBatch = <E extends StoredEntry>(entries: readonly E[]): JourneyBatch<E> => {
  const items = entries
    .filter((e) => e.streamId.startsWith(JOURNEY_STREAM_PREFIX))
    .map((entry) => {
      const d = decodeJourneyEvent(entry.type, entry.data);
      if (!d.ok) throw new Error(`cannot read ${entry.streamId}@${entry.streamPosition}: ${d.error}`);
      return { guid: entry.streamId.slice(JOURNEY_STREAM_PREFIX.length), event: d.event, entry };
    });
  const created = new Set(items.filter((i) => i.event.type === 'JourneyCreated').map((i) => i.guid));
  return { items, created, earlier: [...new Set(items.map((i) => i.guid))].filter((g) => !created.has(g)) };
};
