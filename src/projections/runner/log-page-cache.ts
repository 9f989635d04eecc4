// The projections of one process read the same stretch of the global log, each after its own checkpoint: seven
// projections were seven reads (and seven parses) of every event. The stable prefix of the log never changes once
// read (every writer below it has finished), so a page one projection read serves the others from memory. The
// events are the same objects for every projection: a projection reads them and never changes them.
import type { Kysely } from 'kysely';
import type { GlobalLog, LoggedEvent, LogPosition, ReadLogOptions } from '../../eventstore/index.ts';

interface Page {
  /** The position the page was read after ('' for the log's start). */
  after: string;
  events: LoggedEvent[];
}

export interface LogPageCacheStats {
  /** Events served from memory (or from another projection's read under way), and read from the store. */
  hits: number;
  misses: number;
}

const keyOf = (p: LogPosition | null) => (p === null ? '' : p.token);

/**
 * A GlobalLog whose stable, unfiltered reads (a projection's batch) come from recently read pages where it can;
 * every other read goes to the log. Holds at most `maxEvents` events, the oldest pages dropped first. A read gives
 * exactly what the log would: the events after `after` in log order, up to `limit`, stitched from cached pages
 * and, for what they do not hold, one read of the log (which becomes a page too).
 */
export const createLogPageCache = (log: GlobalLog, maxEvents = 20_000): GlobalLog & { stats(): LogPageCacheStats } => {
  const pages: Page[] = [];
  /**
   * Each page by where it starts. A projection's checkpoint is the last event of the page it applied, so the next
   * page it asks for starts where another projection's page started: pages line up without a per-event index.
   */
  const startingAt = new Map<string, Page>();
  /** Reads of the log under way, by `after`: a second projection asking for the same page waits for the first. */
  const reading = new Map<string, Promise<LoggedEvent[]>>();
  let cached = 0;
  const stats: LogPageCacheStats = { hits: 0, misses: 0 };

  const remember = (after: string, events: LoggedEvent[]) => {
    if (events.length === 0 || startingAt.has(after)) return;
    const page = { after, events };
    pages.push(page);
    startingAt.set(after, page);
    cached += events.length;
    while (cached > maxEvents && pages.length > 1) {
      const old = pages.shift()!;
      startingAt.delete(old.after);
      cached -= old.events.length;
    }
  };

  /** The cached events right after `after` (one page's worth), or none. */
  const cachedAfter = (after: string): LoggedEvent[] => startingAt.get(after)?.events ?? [];

  const readLog = (after: LogPosition | null, limit: number, within?: Kysely<unknown>) => {
    const key = `${keyOf(after)}\u0000${limit}`;
    let pending = reading.get(key);
    const joined = pending !== undefined;
    if (!pending) {
      pending = log.read({ after, limit, stable: true }, within).then((events) => {
        remember(keyOf(after), events);
        return events;
      });
      reading.set(key, pending);
      void pending.then(
        () => reading.delete(key),
        () => reading.delete(key),
      );
    }
    return { pending, joined };
  };

  return {
    ...log,
    async read(options: ReadLogOptions, within?: Kysely<unknown>) {
      const { after, limit } = options;
      const shared = options.stable === true && options.streamId === undefined && options.recordedFrom === undefined && options.recordedTo === undefined;
      if (!shared) return log.read(options, within);
      const first = cachedAfter(keyOf(after));
      // The common case: one cached page of exactly the size asked for, handed out as it is (nobody changes it).
      if (first.length === limit) {
        stats.hits += limit;
        return first;
      }
      let out: LoggedEvent[] = [];
      let cursor = after;
      for (let next = first; next.length > 0 && out.length < limit; next = cachedAfter(keyOf(cursor))) {
        const take = next.length <= limit - out.length ? next : next.slice(0, limit - out.length);
        out = out.concat(take);
        cursor = take.at(-1)!.position;
      }
      stats.hits += out.length;
      if (out.length < limit) {
        const { pending, joined } = readLog(cursor, limit - out.length, within);
        const fresh = await pending;
        if (joined) stats.hits += fresh.length;
        else stats.misses += fresh.length;
        out = out.length === 0 ? fresh : out.concat(fresh);
      }
      return out;
    },
    stats: () => ({ ...stats }),
  };
};
