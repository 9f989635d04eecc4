// Every published example in worked_examples.json, checked against its exact (or simulated) answer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  firstTouch,
  fitMarkovChain,
  lastTouch,
  linear,
  markov,
  positionBased,
  positionBasedShares,
  shapley,
  timeDecay,
  timeDecayShares,
  type AttributionPath,
  type ChannelCredits,
} from '../../../src/domain/attribution/index.ts';
import { analyseRemovals } from '../../../src/domain/attribution/markov-model.ts';
import { coalitionReturns } from '../../../src/domain/attribution/shapley-model.ts';

const examplesUrl = new URL('../../fixtures/attribution/worked_examples.json', import.meta.url);
const examples = JSON.parse(readFileSync(examplesUrl, 'utf8')) as Record<string, Record<string, unknown>>;
const section = <T>(name: string, key: string): T => examples[name]![key] as T;

const DAY = 86_400_000;
const toPath = (p: { path: string; conversions: number; value?: number; nulls?: number }): AttributionPath => ({
  channels: p.path.split('>').map((c) => c.trim()),
  conversions: p.conversions,
  value: p.value ?? 0,
  nulls: p.nulls ?? 0,
});
const conversionsOf = (credits: ChannelCredits): Record<string, number> =>
  Object.fromEntries([...credits].map(([c, v]) => [c, v.conversions]));
const markovOk = (paths: AttributionPath[], options: Parameters<typeof markov>[1]) => {
  const outcome = markov(paths, options);
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.value;
};
/** Parses "3/8" or 0.5 into a number. */
const fraction = (x: string | number): number => {
  if (typeof x === 'number') return x;
  const [n, d] = x.split('/').map(Number);
  return n! / d!;
};
const transitionMap = (list: { from: string; to: string; probability: number }[]): Map<string, number> =>
  new Map(list.map((t) => [`${t.from}->${t.to}`, t.probability]));

describe('white paper A/B (no nulls)', () => {
  type Raw = { path: string; conversions: number };
  const paths = section<Raw[]>('whitepaper_AB', 'paths').map(toPath);

  it('builds the transition matrix with self-loops', () => {
    const expected = section<Record<string, string>>('whitepaper_AB', 'transition_matrix_with_self_loops');
    const got = transitionMap(fitMarkovChain(paths, { keepSelfLoops: true }).transitions());
    expect(got.size).toBe(Object.keys(expected).length);
    for (const [edge, p] of Object.entries(expected)) expect(got.get(edge)).toBeCloseTo(fraction(p), 14);
  });

  it('builds the collapsed transition matrix markov_model uses', () => {
    const expected = section<Record<string, number>>('whitepaper_AB', 'transition_matrix_self_loops_collapsed (markov_model)');
    const got = transitionMap(fitMarkovChain(paths).transitions());
    expect(got.size).toBe(Object.keys(expected).length);
    for (const [edge, p] of Object.entries(expected)) expect(got.get(edge)).toBeCloseTo(p, 14);
  });

  it('gives the exact removal effects and attribution (infinite horizon)', () => {
    const result = markovOk(paths, {});
    const re = section<Record<string, number>>('whitepaper_AB', 'removal_effects_exact');
    const credit = section<Record<string, number>>('whitepaper_AB', 'attribution_exact');
    for (const channel of ['A', 'B']) {
      expect(result.get(channel)!.removalEffect).toBeCloseTo(re[channel]!, 12);
      expect(result.get(channel)!.conversions).toBeCloseTo(credit[channel]!, 12);
    }
  });

  it("reproduces ChannelAttribution 2.2.4's exact max_step = 6 answer (walks may take up to M states)", () => {
    const expected = section<{ removal_effects: Record<string, number>; attribution: Record<string, number> }>(
      'whitepaper_AB',
      'ChannelAttribution_2.2.4_default_max_step(=6)_exact',
    );
    const result = markovOk(paths, { maxStep: 6 });
    for (const channel of ['A', 'B']) {
      expect(result.get(channel)!.removalEffect).toBeCloseTo(expected.removal_effects[channel]!, 14);
      expect(result.get(channel)!.conversions).toBeCloseTo(expected.attribution[channel]!, 14);
    }
    // The walk converts after 1, 3, 5, 7… states; M = 7 admits the 7th-state conversion too, so the convention matters.
    expect(markovOk(paths, { maxStep: 7 }).get('B')!.removalEffect).toBeCloseTo(1 - 0.5 / (1 - 1 / 16), 14);
  });

  it('agrees with the simulated ChannelAttribution and pychattr runs within their Monte Carlo error', () => {
    const sim = section<Record<string, number>>('whitepaper_AB', 'ChannelAttribution_2.2.4_run_nsim1e6_default');
    const at6 = markovOk(paths, { maxStep: 6 });
    expect(Math.abs(at6.get('A')!.conversions - sim.A!)).toBeLessThan(0.005);
    expect(Math.abs(at6.get('B')!.conversions - sim.B!)).toBeLessThan(0.005);
    expect(Math.abs(at6.get('B')!.removalEffect - sim.RE_B!)).toBeLessThan(0.002);

    const long = section<Record<string, number>>('whitepaper_AB', 'ChannelAttribution_2.2.4_run_nsim1e6_max_step1000');
    const at1000 = markovOk(paths, { maxStep: 1000 });
    expect(at1000.get('B')!.removalEffect).toBeCloseTo(0.5, 12);
    expect(Math.abs(at1000.get('A')!.conversions - long.A!)).toBeLessThan(0.005);
    expect(Math.abs(at1000.get('B')!.conversions - long.B!)).toBeLessThan(0.005);
    expect(Math.abs(at1000.get('B')!.removalEffect - long.RE_B!)).toBeLessThan(0.002);

    const py = section<Record<string, number>>('whitepaper_AB', 'pychattr_README (pure-Python port of ChannelAttribution 1.x simulator, n_simulations=10000, random_state=26)');
    const exact = markovOk(paths, {});
    expect(exact.get('A')!.removalEffect).toBe(py.RE_A);
    expect(Math.abs(exact.get('A')!.conversions - py.A!)).toBeLessThan(0.02);
    expect(Math.abs(exact.get('B')!.conversions - py.B!)).toBeLessThan(0.02);
    expect(Math.abs(exact.get('B')!.removalEffect - py.RE_B!)).toBeLessThan(0.02);
  });

  it('gives the published heuristics (linear counts every touch occurrence)', () => {
    const h = section<Record<string, Record<string, number>>>('whitepaper_AB', 'heuristics');
    expect(conversionsOf(firstTouch(paths))).toEqual(h.first_touch);
    expect(conversionsOf(lastTouch(paths))).toEqual(h.last_touch);
    const lin = conversionsOf(linear(paths));
    expect(lin.A).toBeCloseTo(h.linear_touch_per_occurrence!.A!, 14);
    expect(lin.B).toBeCloseTo(h.linear_touch_per_occurrence!.B!, 14);
  });
});

describe('analyzecore C1/C2/C3 (with nulls and value)', () => {
  type Raw = { path: string; conversions: number; value?: number; nulls: number };
  const paths = section<Raw[]>('analyzecore_C1C2C3', 'paths').map(toPath);
  const get = <T>(key: string): T => section<T>('analyzecore_C1C2C3', key);

  it('builds the published transition matrix', () => {
    const expected = get<Record<string, number>>('transition_matrix');
    const got = transitionMap(fitMarkovChain(paths, { useNulls: true }).transitions());
    expect(got.size).toBe(Object.keys(expected).length);
    for (const [edge, p] of Object.entries(expected)) expect(got.get(edge)).toBeCloseTo(p, 14);
  });

  it('gives P(conversion) with and without C1', () => {
    const analysis = analyseRemovals(paths, { useNulls: true });
    expect(analysis.conversionProbability).toBeCloseTo(get<number>('P_conversion'), 14);
    expect(analysis.withoutChannel[analysis.channels.indexOf('C1')]!.conversionProbability).toBeCloseTo(
      get<number>('P_conversion_without_C1'),
      14,
    );
    expect(fitMarkovChain(paths, { useNulls: true }).conversionProbability([])).toBeCloseTo(get<number>('P_conversion'), 14);
  });

  it('gives the exact removal effects, conversions and value', () => {
    const result = markovOk(paths, { useNulls: true });
    const re = get<Record<string, number>>('removal_effects');
    const conv = get<Record<string, number>>('attribution_conversions');
    const value = get<Record<string, number>>('attribution_value');
    for (const channel of ['C1', 'C2', 'C3']) {
      const r = result.get(channel)!;
      expect(r.removalEffect).toBeCloseTo(re[channel]!, 14);
      expect(r.removalEffectValue).toBeCloseTo(re[channel]!, 14);
      expect(r.conversions).toBeCloseTo(conv[channel]!, 14);
      expect(r.value).toBeCloseTo(value[channel]!, 10);
    }
  });

  it('agrees with the simulated ChannelAttribution run', () => {
    const sim = get<{ conversions: Record<string, number>; RE_C1: number }>('ChannelAttribution_2.2.4_run_nsim1e6');
    const result = markovOk(paths, { useNulls: true });
    for (const channel of ['C1', 'C2', 'C3']) {
      expect(Math.abs(result.get(channel)!.conversions - sim.conversions[channel]!)).toBeLessThan(0.001);
    }
    expect(Math.abs(result.get('C1')!.removalEffect - sim.RE_C1)).toBeLessThan(0.002);
  });
});

describe('Shapley F/O/L (Zhao et al. simplification)', () => {
  const get = <T>(key: string): T => section<T>('tds_shapley_FOL', key);
  const paths: AttributionPath[] = Object.entries(get<Record<string, number>>('R_exact_coalition_share')).map(([coalition, share]) => ({
    channels: coalition.split('+'),
    conversions: share,
    value: share * 100,
    nulls: 0,
  }));
  const worth = (members: string[]): number => {
    let v = 0;
    for (const r of coalitionReturns(paths).values()) if (r.channels.every((c) => members.includes(c))) v += r.conversions;
    return v;
  };

  it('has the published coalition worths v(S) = Σ_{A ⊆ S} R(A)', () => {
    for (const [coalition, v] of Object.entries(get<Record<string, number>>('worth_v(S)=sum_{A subset S} R(A)'))) {
      expect(worth(coalition.split('+'))).toBeCloseTo(v, 14);
    }
  });

  it('gives the published Shapley values, for conversions and value', () => {
    const credits = shapley(paths);
    for (const key of ['shapley_published', 'shapley_via_zhao_simplified_recomputed']) {
      for (const [channel, phi] of Object.entries(get<Record<string, number>>(key))) {
        expect(credits.get(channel)!.conversions).toBeCloseTo(phi, 14);
        expect(credits.get(channel)!.value).toBeCloseTo(phi * 100, 12);
      }
    }
  });

  it('equals the classic Shapley value over all orderings of the players', () => {
    const players = ['F', 'O', 'L'];
    const orderings = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]].map((o) => o.map((i) => players[i]!));
    const credits = shapley(paths);
    for (const player of players) {
      let phi = 0;
      for (const ordering of orderings) {
        const before = ordering.slice(0, ordering.indexOf(player));
        phi += (worth([...before, player]) - worth(before)) / orderings.length;
      }
      expect(credits.get(player)!.conversions).toBeCloseTo(phi, 14);
    }
  });
});

describe('time decay (half-life 7 days)', () => {
  type Example = { raw_weights?: number[]; normalized: number[]; dollars?: number[]; published_rounded?: number[] };
  const get = (key: string): Example => section<Example>('time_decay', key);

  it('normalises 2^(-Δt/H) for touches 0, 7, 14, 28 days before conversion', () => {
    const example = get('example_days_before_conv_[0,7,14,28]');
    const conversion = Date.UTC(2026, 10, 23);
    const times = [0, 7, 14, 28].map((d) => conversion - d * DAY);
    const shares = timeDecayShares(times, conversion, 7 * DAY);
    example.raw_weights!.forEach((w, i) => expect(shares[i]! / shares[0]!).toBeCloseTo(w, 14));
    example.normalized.forEach((w, i) => expect(shares[i]).toBeCloseTo(w, 14));
  });

  it('splits $12,000 over touches 38, 33, 26, 8, 0 days before conversion', () => {
    const example = get('example_marketingskills_$12000_days_before_conv_[38,33,26,8,0]');
    const conversion = Date.UTC(2026, 10, 23);
    const channels = ['display', 'social', 'email', 'search', 'direct'];
    const path: AttributionPath = {
      channels,
      times: [38, 33, 26, 8, 0].map((d) => conversion - d * DAY),
      conversionTime: conversion,
      conversions: 1,
      value: 12_000,
      nulls: 0,
    };
    const outcome = timeDecay([path]);
    if (!outcome.ok) throw new Error(outcome.error.message);
    channels.forEach((channel, i) => {
      expect(outcome.value.get(channel)!.conversions).toBeCloseTo(example.normalized[i]!, 14);
      expect(outcome.value.get(channel)!.value).toBeCloseTo(example.dollars![i]!, 9);
      expect(Math.abs(outcome.value.get(channel)!.value - example.published_rounded![i]!)).toBeLessThan(3);
    });
  });
});

describe('position based 40/20/40', () => {
  const get = <T>(key: string): T => section<T>('position_based_40_20_40', key);

  it.each(['n=1', 'n=2', 'n=3', 'n=5'])('gives the published shares for %s', (key) => {
    const expected = get<number[]>(key);
    const shares = positionBasedShares(expected.length);
    expect(shares).toHaveLength(expected.length);
    expected.forEach((w, i) => expect(shares[i]).toBeCloseTo(w, 15));
  });

  it('splits $12,000 over five touches', () => {
    const channels = ['display', 'social', 'email', 'search', 'direct'];
    const credits = positionBased([{ channels, conversions: 1, value: 12_000, nulls: 0 }]);
    get<number[]>('marketingskills_$12000_5_touches').forEach((dollars, i) => {
      expect(credits.get(channels[i]!)!.value).toBeCloseTo(dollars, 10);
    });
  });
});
