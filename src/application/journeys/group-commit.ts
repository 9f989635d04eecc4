// Group commit: concurrent requests' events are appended together. A flush starts as soon as there is room for one
// (so a lone request waits for nothing); while flushes are busy, new requests gather and the next flush takes them
// all, up to maxEvents. Each flush is one logTrackingEvents: one atomic append over every journey in it, decided per
// journey in arrival order, so every request still learns, per event, stored / duplicate / no journey / not stored.
import type { TrackingEvent } from '../../domain/journeys/index.ts';
import type { CommandStore } from '../../eventstore/index.ts';
import { logTrackingEvents, type LoggedEvent } from './log-tracking-events.ts';

export interface GroupCommitOptions {
  /** Events one flush takes at most (a request larger than this is flushed alone). */
  maxEvents: number;
  /** Flushes running at once: appends overlap on the store's connections; 1 serialises them. */
  maxFlushes: number;
}

type Groups = readonly (readonly [guid: string, events: readonly TrackingEvent[]])[];

interface Submission {
  groups: Groups;
  events: number;
  resolve(answers: LoggedEvent[][]): void;
  reject(error: unknown): void;
}

export interface GroupCommit {
  /** Resolves once the events are durable (or known not stored), with what became of each, per group. */
  submit(groups: Groups): Promise<LoggedEvent[][]>;
  /** Requests waiting for a flush, and flushes running. */
  depth(): { waiting: number; flushing: number };
}

/** Told the size and duration of every flush (metrics). */
export type FlushObserver = (events: number, requests: number, seconds: number) => void;

export const createGroupCommit = (store: CommandStore, o: GroupCommitOptions, onFlush: FlushObserver = () => {}): GroupCommit => {
  const queue: Submission[] = [];
  let flushing = 0;

  const flush = async (subs: Submission[]) => {
    // One command per journey: the requests' events for a journey in arrival order, and where each request's are.
    const merged = new Map<string, TrackingEvent[]>();
    const slots = subs.map((s) =>
      s.groups.map(([guid, events]) => {
        let list = merged.get(guid);
        if (!list) merged.set(guid, (list = []));
        const start = list.length;
        list.push(...events);
        return { guid, start, count: events.length };
      }),
    );
    const started = process.hrtime.bigint();
    try {
      const order = [...merged.entries()];
      const answers = await logTrackingEvents(store, order);
      const byGuid = new Map(order.map(([guid], i) => [guid, answers[i]!]));
      subs.forEach((s, k) => s.resolve(slots[k]!.map(({ guid, start, count }) => byGuid.get(guid)!.slice(start, start + count))));
    } catch (error) {
      for (const s of subs) s.reject(error);
    } finally {
      onFlush(subs.reduce((n, s) => n + s.events, 0), subs.length, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };

  const pump = () => {
    while (flushing < o.maxFlushes && queue.length > 0) {
      const take: Submission[] = [];
      let events = 0;
      while (queue.length > 0 && (take.length === 0 || events + queue[0]!.events <= o.maxEvents)) {
        const s = queue.shift()!;
        take.push(s);
        events += s.events;
      }
      flushing++;
      void flush(take).finally(() => {
        flushing--;
        pump();
      });
    }
  };

  return {
    submit(groups) {
      return new Promise((resolve, reject) => {
        queue.push({ groups, events: groups.reduce((n, [, e]) => n + e.length, 0), resolve, reject });
        pump();
      });
    },
    depth: () => ({ waiting: queue.length, flushing }),
  };
};
