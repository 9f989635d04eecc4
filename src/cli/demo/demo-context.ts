// The frame demo conversations are drawn in: their time window and zone, and the outreach journeys they may continue.
import { parseGuid } from '../../domain/journeys/index.ts';
import { DEMO_TIME_ZONE } from './demo-cast.ts';
import { localClock, type LocalClock } from './demo-demand.ts';
import type { Draws } from './demo-random.ts';

const DAY = 24 * 3_600_000;

/** An outreach journey a conversation may continue (a customer answering an SMS in chat): its GUID, dealer, date. */
export interface DemoParent {
  guid: string;
  dealer_code: string;
  at: number;
}

export interface DemoContext {
  /** Conversations start in [start, end); events after `end` have not happened yet (still-open conversations). */
  start: number;
  end: number;
  clock: LocalClock;
  /** Sorted by `at`. */
  parents: readonly DemoParent[];
}

/** The window of `days` days up to `end`; a parent's date and dealer are read from its GUID. */
export const demoContext = (o: { end: Date; days: number; parents: readonly string[] }): DemoContext => ({
  start: o.end.getTime() - o.days * DAY,
  end: o.end.getTime(),
  clock: localClock(DEMO_TIME_ZONE),
  parents: o.parents
    .map((guid) => ({ guid, parts: parseGuid(guid)! }))
    .map(({ guid, parts }) => ({ guid, dealer_code: parts.dealer, at: Date.parse(`${parts.date}T00:00:00Z`) }))
    .sort((a, b) => a.at - b.at || (a.guid < b.guid ? -1 : 1)),
});

/** A parent the conversation can continue: the reply comes at least a day after the outreach began. */
export const eligibleParent = (d: Draws, parents: readonly DemoParent[], t0: number): DemoParent | undefined => {
  let n = 0;
  while (n < parents.length && parents[n]!.at + DAY <= t0) n++;
  return n > 0 ? parents[Math.floor(d.next() * n)] : undefined;
};
