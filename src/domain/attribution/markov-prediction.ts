// Conversion probability of open journeys from a fitted chain: absorption into (conversion) from the current state.
import type { AttributionPath } from './attribution-path.ts';
import { buildMarkovChain, START_STATE, stateKey, transitionList, type MarkovChainOptions } from './markov-chain.ts';
import { createVisitSolver } from './markov-model.ts';
import { blockOrder, solveFixedPoint } from './sparse-linear-solve.ts';

export interface MarkovChainModel {
  readonly order: number;
  readonly stateCount: number;
  /**
   * P(the journey ends in conversion | its touches so far). Empty → the baseline from (start). A known state →
   * its exact absorption probability. An unseen state → the visit-weighted mean over known states whose window
   * ends with the longest suffix of the journey that any state ends with; if none does, the baseline.
   */
  conversionProbability(channelsSoFar: readonly string[]): number;
  transitions(): { from: string; to: string; probability: number }[];
}

export function fitMarkovChain(paths: readonly AttributionPath[], options: Partial<MarkovChainOptions> = {}): MarkovChainModel {
  const order = options.order ?? 1;
  if (!Number.isInteger(order) || order < 1) throw new RangeError(`order must be a positive integer, got ${order}`);
  const chain = buildMarkovChain(paths, { order, useNulls: options.useNulls ?? false, keepSelfLoops: options.keepSelfLoops ?? false });
  const q = chain.transitions;
  // Absorption probabilities x = r + Q·x, solved once for every state.
  const absorption = solveFixedPoint(q, chain.conversion, blockOrder(q));
  const visits = createVisitSolver(chain, undefined).visits();
  const channelId = new Map(chain.channels.map((c, i) => [c, i]));

  // Suffix key → visit-weighted sums over the states ending with that suffix, for unseen states.
  const bySuffix = new Map<string, { weight: number; weighted: number; count: number; sum: number }>();
  chain.states.forEach((ids, s) => {
    for (let len = 1; len <= ids.length; len++) {
      const key = stateKey(ids.subarray(ids.length - len));
      const entry = bySuffix.get(key) ?? { weight: 0, weighted: 0, count: 0, sum: 0 };
      entry.weight += visits[s]!;
      entry.weighted += visits[s]! * absorption[s]!;
      entry.count += 1;
      entry.sum += absorption[s]!;
      bySuffix.set(key, entry);
    }
  });

  const baseline = absorption[START_STATE]!;
  return {
    order,
    stateCount: chain.states.length - 1,
    transitions: () => transitionList(chain),
    conversionProbability(channelsSoFar) {
      if (channelsSoFar.length === 0) return baseline;
      const window = channelsSoFar.slice(-order).map((c) => channelId.get(c) ?? -1);
      const exact = chain.stateIndex.get(stateKey(window));
      if (exact !== undefined) return absorption[exact]!;
      for (let len = window.length; len >= 1; len--) {
        const suffix = window.slice(window.length - len);
        if (suffix.includes(-1)) continue;
        const entry = bySuffix.get(stateKey(suffix));
        if (entry === undefined) continue;
        return entry.weight > 0 ? entry.weighted / entry.weight : entry.sum / entry.count;
      }
      return baseline;
    },
  };
}
