// Builds the absorbing Markov chain of ChannelAttribution 2.x: states are k-touch windows, (start) is state 0.
import { channelsOf, type AttributionPath } from './attribution-path.ts';
import type { CsrMatrix } from './sparse-linear-solve.ts';

export interface MarkovChainOptions {
  order: number;
  useNulls: boolean;
  /** Keep repeated consecutive states as self-loops (ChannelAttribution's transition_matrix flg_equal); default false. */
  keepSelfLoops?: boolean;
}

export interface MarkovChain {
  order: number;
  /** Every channel of the input, including those only on paths the chain ignores. */
  channels: string[];
  /** Channel ids per transient state; state 0 is (start) with none. */
  states: Int32Array[];
  stateIndex: Map<string, number>;
  /** Transient-to-transient probabilities Q, (start) included as a row. */
  transitions: CsrMatrix;
  /** r: probability of converting right after each state. */
  conversion: Float64Array;
  /** Probability of ending without conversion right after each state. */
  exit: Float64Array;
  /** Conversions and value of the paths whose last state is each state (for the value removal effect). */
  endingConversions: Float64Array;
  endingValue: Float64Array;
}

export const START_STATE = 0;

export function stateKey(channelIds: ArrayLike<number>): string {
  return Array.prototype.join.call(channelIds, ',');
}

/** Sliding windows of `order` touches (the whole path if shorter), consecutive repeats collapsed. */
export function windowKeys(channelIds: readonly number[], order: number, keepRepeats = false): string[] {
  if (channelIds.length <= order) return [stateKey(channelIds)];
  const keys: string[] = [];
  for (let i = 0; i + order <= channelIds.length; i++) {
    const key = stateKey(channelIds.slice(i, i + order));
    if (keepRepeats || keys[keys.length - 1] !== key) keys.push(key);
  }
  return keys;
}

// Packs (from, to) into one safe integer; 2^26 states is far beyond any chain this code is used for.
const PAIR = 2 ** 26;

export function buildMarkovChain(paths: readonly AttributionPath[], options: MarkovChainOptions): MarkovChain {
  const { order, useNulls, keepSelfLoops = false } = options;
  const channels = channelsOf(paths);
  const channelId = new Map(channels.map((c, i) => [c, i]));
  const stateIndex = new Map<string, number>([['', START_STATE]]);
  const states: Int32Array[] = [new Int32Array(0)];
  const edgeWeight = new Map<number, number>();
  const conversions: number[] = [0];
  const nulls: number[] = [0];
  const endingValue: number[] = [0];

  for (const path of paths) {
    const nullCount = useNulls ? path.nulls : 0;
    const weight = path.conversions + nullCount;
    // Without null data a non-converting path says nothing about where walks end, so it is ignored.
    if (path.channels.length === 0 || weight <= 0) continue;
    const ids = path.channels.map((c) => channelId.get(c) as number);
    let from = START_STATE;
    for (const key of windowKeys(ids, order, keepSelfLoops)) {
      let to = stateIndex.get(key);
      if (to === undefined) {
        to = states.length;
        stateIndex.set(key, to);
        states.push(Int32Array.from(key.split(','), Number));
        conversions.push(0);
        nulls.push(0);
        endingValue.push(0);
      }
      const pair = from * PAIR + to;
      edgeWeight.set(pair, (edgeWeight.get(pair) ?? 0) + weight);
      from = to;
    }
    conversions[from]! += path.conversions;
    nulls[from]! += nullCount;
    if (path.conversions > 0) endingValue[from]! += path.value;
  }

  const n = states.length;
  const outWeight = Float64Array.from(conversions, (c, i) => c + nulls[i]!);
  const rowPtr = new Int32Array(n + 1);
  for (const [pair, w] of edgeWeight) {
    const from = Math.floor(pair / PAIR);
    rowPtr[from + 1]! += 1;
    outWeight[from]! += w;
  }
  for (let i = 0; i < n; i++) rowPtr[i + 1]! += rowPtr[i]!;
  const fill = rowPtr.slice(0, n);
  const colIdx = new Int32Array(edgeWeight.size);
  const values = new Float64Array(edgeWeight.size);
  for (const [pair, w] of edgeWeight) {
    const from = Math.floor(pair / PAIR);
    const slot = fill[from]!;
    fill[from] = slot + 1;
    colIdx[slot] = pair - from * PAIR;
    values[slot] = w / outWeight[from]!;
  }
  const share = (counts: number[]): Float64Array =>
    Float64Array.from(counts, (c, i) => (outWeight[i]! > 0 ? c / outWeight[i]! : 0));
  return {
    order,
    channels,
    states,
    stateIndex,
    transitions: { n, rowPtr, colIdx, values },
    conversion: share(conversions),
    exit: share(nulls),
    endingConversions: Float64Array.from(conversions),
    endingValue: Float64Array.from(endingValue),
  };
}

/** Human-readable state name, as ChannelAttribution prints them. */
export function stateLabel(chain: MarkovChain, state: number): string {
  if (state === START_STATE) return '(start)';
  return Array.from(chain.states[state] ?? [], (id) => chain.channels[id]).join(' > ');
}

/** All transition probabilities, absorbing states included, for inspection and tests. */
export function transitionList(chain: MarkovChain): { from: string; to: string; probability: number }[] {
  const { rowPtr, colIdx, values, n } = chain.transitions;
  const list: { from: string; to: string; probability: number }[] = [];
  for (let i = 0; i < n; i++) {
    const from = stateLabel(chain, i);
    for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) {
      list.push({ from, to: stateLabel(chain, colIdx[k]!), probability: values[k]! });
    }
    if (chain.conversion[i]! > 0) list.push({ from, to: '(conversion)', probability: chain.conversion[i]! });
    if (chain.exit[i]! > 0) list.push({ from, to: '(null)', probability: chain.exit[i]! });
  }
  return list;
}
