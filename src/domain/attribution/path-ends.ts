// The ends of a journey's path: its first and last PATH_END touches, kept exactly as touches arrive in any order, are
// all the bounded path of a journey that has not converted needs, so a read model need not rewrite every touch.
import { boundedPath, MAX_PATH_TOUCHES } from './journey-attribution.ts';

/** A touch: [epoch ms, channel, event id]. Touches are ordered by time, then event id. */
export type PathTouch = [at: number, channel: string, eventId: string];

export const PATH_END = MAX_PATH_TOUCHES / 2;

export const touchBefore = (a: PathTouch, b: PathTouch): boolean => a[0] < b[0] || (a[0] === b[0] && a[2] < b[2]);

/** Sorts in place in touch order (the order every path is read in, whatever order the touches were stored in). */
export const sortTouches = (touches: PathTouch[]): PathTouch[] => touches.sort((a, b) => (touchBefore(a, b) ? -1 : touchBefore(b, a) ? 1 : 0));

export interface PathEnds {
  /** The first and the last PATH_END touches, in order (the same touches in both while there are few). */
  head: PathTouch[];
  tail: PathTouch[];
  count: number;
}

export const NO_TOUCHES: PathEnds = { head: [], tail: [], count: 0 };

const inserted = (list: readonly PathTouch[], t: PathTouch): PathTouch[] => {
  let i = list.length;
  while (i > 0 && touchBefore(t, list[i - 1]!)) i--;
  return [...list.slice(0, i), t, ...list.slice(i)];
};

/**
 * The ends once a new touch (one not among the journey's touches so far) is added: the first PATH_END of a set with
 * one more touch are the first PATH_END of its old first ones and the new touch, and likewise the last.
 */
export const withTouch = (ends: PathEnds, t: PathTouch): PathEnds => {
  const head = ends.head.length < PATH_END || touchBefore(t, ends.head.at(-1)!) ? inserted(ends.head, t).slice(0, PATH_END) : ends.head;
  const tail = ends.tail.length < PATH_END || touchBefore(ends.tail[0]!, t) ? inserted(ends.tail, t).slice(-PATH_END) : ends.tail;
  return { head, tail, count: ends.count + 1 };
};

/** boundedPath of every touch, from the ends: while there are MAX_PATH_TOUCHES or fewer, the ends hold them all. */
export const openPath = (ends: PathEnds): string[] => {
  if (ends.count > MAX_PATH_TOUCHES) return boundedPath([...ends.head, ...ends.tail].map((t) => t[1]));
  const inHead = new Set(ends.head.map((t) => t[2]));
  return [...ends.head, ...ends.tail.filter((t) => !inHead.has(t[2]))].map((t) => t[1]);
};
