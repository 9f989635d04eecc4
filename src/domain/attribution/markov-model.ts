// Markov ("data-driven") attribution by removal effects, solved exactly instead of simulated as ChannelAttribution does.
import { totalConversions, totalValue, type AttributionOutcome, type AttributionPath } from './attribution-path.ts';
import { buildMarkovChain, START_STATE, type MarkovChain } from './markov-chain.ts';
import { blockOrder, solveFixedPoint, transpose, truncatedVisits, type BlockOrder, type CsrMatrix } from './sparse-linear-solve.ts';

export interface MarkovOptions {
  /** Touches per state; default 1. */
  order?: number;
  /** Use the paths' null counts; without them only converting paths shape the chain. Default false. */
  useNulls?: boolean;
  /** Finite horizon: walks still unabsorbed after this many states are dropped. Default: infinite. */
  maxStep?: number;
}

export interface MarkovChannelResult {
  removalEffect: number;
  removalEffectValue: number;
  conversions: number;
  value: number;
}

export function validateMarkovOptions(options: MarkovOptions): string | undefined {
  const { order = 1, maxStep } = options;
  if (!Number.isInteger(order) || order < 1) return `order must be a positive integer, got ${order}`;
  if (maxStep !== undefined && (!Number.isInteger(maxStep) || maxStep < 1)) {
    return `max step must be a positive integer, got ${maxStep}`;
  }
  return undefined;
}

/**
 * Expected visits to each state of walks from (start) (the start itself excluded), optionally truncated. A walk
 * converts with s as its last state with probability visits[s]·r[s], which both removal effects need.
 */
export interface VisitSolver {
  visits(active?: Uint8Array, warmStart?: Float64Array): Float64Array;
}

export function createVisitSolver(chain: MarkovChain, maxStep: number | undefined): VisitSolver {
  const q = chain.transitions;
  if (maxStep !== undefined) {
    return { visits: (active) => truncatedVisits(q, START_STATE, maxStep, active) };
  }
  // Visits solve y = e_start + Qᵀ·y; the transpose and its block order are shared by every channel's solve.
  const qt: CsrMatrix = transpose(q);
  const order: BlockOrder = blockOrder(qt);
  const b = new Float64Array(q.n);
  b[START_STATE] = 1;
  return {
    visits: (active, warmStart) => {
      const y = solveFixedPoint(qt, b, order, { active, initial: warmStart });
      y[START_STATE] = 0;
      return y;
    },
  };
}

function conversionMass(chain: MarkovChain, visits: Float64Array, meanValue: Float64Array): [number, number] {
  let conversions = 0;
  let value = 0;
  for (let s = 0; s < visits.length; s++) {
    const p = visits[s]! * chain.conversion[s]!;
    conversions += p;
    value += p * meanValue[s]!;
  }
  return [conversions, value];
}

// Rounding can push 1 − P₋c/P a hair outside [0, 1]; the exact quantity never is.
const clampUnit = (x: number): number => Math.min(1, Math.max(0, x));

export interface RemovalAnalysis {
  channels: string[];
  /** P(conversion) and Σ_s m_s·P(convert with last state s), for the full chain. */
  conversionProbability: number;
  valueMass: number;
  /** The same with each channel removed, by channel index. */
  withoutChannel: { conversionProbability: number; valueMass: number }[];
}

/** Solves the chain once in full and once per channel, reusing the solver's structure and warm-starting from the full solve. */
export function analyseRemovals(paths: readonly AttributionPath[], options: MarkovOptions = {}): RemovalAnalysis {
  const chain = buildMarkovChain(paths, { order: options.order ?? 1, useNulls: options.useNulls ?? false });
  const solver = createVisitSolver(chain, options.maxStep);
  const meanValue = Float64Array.from(chain.endingConversions, (c, s) => (c > 0 ? chain.endingValue[s]! / c : 0));
  const base = solver.visits();
  const [conversionProbability, valueMass] = conversionMass(chain, base, meanValue);
  const withoutChannel = statesByChannel(chain).map((containing) => {
    if (containing.length === 0) return { conversionProbability, valueMass };
    const active = new Uint8Array(chain.states.length).fill(1);
    for (const s of containing) active[s] = 0;
    const [p, v] = conversionMass(chain, solver.visits(active, base), meanValue);
    return { conversionProbability: p, valueMass: v };
  });
  return { channels: chain.channels, conversionProbability, valueMass, withoutChannel };
}

export function markov(
  paths: readonly AttributionPath[],
  options: MarkovOptions = {},
): AttributionOutcome<Map<string, MarkovChannelResult>> {
  const problem = validateMarkovOptions(options);
  if (problem !== undefined) return { ok: false, error: { code: 'invalid_option', message: problem } };
  const analysis = analyseRemovals(paths, options);
  const removal = analysis.withoutChannel.map((without) => ({
    re: analysis.conversionProbability > 0 ? clampUnit(1 - without.conversionProbability / analysis.conversionProbability) : 0,
    rv: analysis.valueMass > 0 ? clampUnit(1 - without.valueMass / analysis.valueMass) : 0,
  }));

  const sumRe = removal.reduce((a, r) => a + r.re, 0);
  const sumRv = removal.reduce((a, r) => a + r.rv, 0);
  const conversions = totalConversions(paths);
  const value = totalValue(paths);
  const result = new Map<string, MarkovChannelResult>();
  analysis.channels.forEach((channel, c) => {
    const { re, rv } = removal[c]!;
    result.set(channel, {
      removalEffect: re,
      removalEffectValue: rv,
      conversions: sumRe > 0 ? (re / sumRe) * conversions : 0,
      value: sumRv > 0 ? (rv / sumRv) * value : 0,
    });
  });
  return { ok: true, value: result };
}

/** For each channel id, the states whose window contains it (removing a channel removes all of them). */
export function statesByChannel(chain: MarkovChain): number[][] {
  const lists: number[][] = chain.channels.map(() => []);
  chain.states.forEach((ids, s) => {
    for (const c of new Set(ids)) lists[c]!.push(s);
  });
  return lists;
}
