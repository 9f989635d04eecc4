// Heuristic models: each gives every touch of a converting path a fixed share of its conversions and value.
import { addCredit, channelsOf, emptyCredits, type AttributionPath, type ChannelCredits } from './attribution-path.ts';

/** Shares per touch of one path; they sum to 1 for a non-empty path. */
export type TouchShares = (path: AttributionPath) => readonly number[];

/** Credits each channel with the shares of its touch occurrences, so a channel touched twice gets both shares. */
export function creditByTouchShares(paths: readonly AttributionPath[], shares: TouchShares): ChannelCredits {
  const credits = emptyCredits(channelsOf(paths));
  for (const path of paths) {
    if (path.channels.length === 0 || (path.conversions === 0 && path.value === 0)) continue;
    const weights = shares(path);
    path.channels.forEach((channel, i) => {
      const share = weights[i] ?? 0;
      addCredit(credits, channel, share * path.conversions, share * path.value);
    });
  }
  return credits;
}

const firstTouchShares: TouchShares = (path) => path.channels.map((_, i) => (i === 0 ? 1 : 0));

const lastTouchShares: TouchShares = (path) => {
  const last = path.channels.length - 1;
  return path.channels.map((_, i) => (i === last ? 1 : 0));
};

const linearShares: TouchShares = (path) => path.channels.map(() => 1 / path.channels.length);

/** 40/20/40: one touch takes all, two split evenly, otherwise the middle touches share 20%. */
export function positionBasedShares(touchCount: number): number[] {
  if (touchCount === 1) return [1];
  if (touchCount === 2) return [0.5, 0.5];
  const middle = 0.2 / (touchCount - 2);
  return Array.from({ length: touchCount }, (_, i) => (i === 0 || i === touchCount - 1 ? 0.4 : middle));
}

export function firstTouch(paths: readonly AttributionPath[]): ChannelCredits {
  return creditByTouchShares(paths, firstTouchShares);
}

export function lastTouch(paths: readonly AttributionPath[]): ChannelCredits {
  return creditByTouchShares(paths, lastTouchShares);
}

export function linear(paths: readonly AttributionPath[]): ChannelCredits {
  return creditByTouchShares(paths, linearShares);
}

export function positionBased(paths: readonly AttributionPath[]): ChannelCredits {
  return creditByTouchShares(paths, (path) => positionBasedShares(path.channels.length));
}
