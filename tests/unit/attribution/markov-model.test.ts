// Markov attribution against a naive dense reference (string states, Gaussian elimination) on random path sets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitMarkovChain, markov, parsePathCsv, type AttributionPath } from '../../../src/domain/attribution/index.ts';
import { syntheticPathDataCsv } from '../../helpers/synthetic-path-data.ts';
import { denseChain, denseRemovalEffects } from './dense-markov-reference.ts';
import { denseSolve } from './dense-reference.ts';

const SEED = 20_261_123;

const pathsArb = fc.array(
  fc.record({
    channels: fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 7 }),
    conversions: fc.integer({ min: 0, max: 5 }),
    value: fc.integer({ min: 0, max: 1000 }),
    nulls: fc.integer({ min: 0, max: 5 }),
  }),
  { minLength: 1, maxLength: 25 },
);

describe('markov against a dense reference', () => {
  it('matches removal effects of both kinds for orders 1–3, with and without nulls', () => {
    fc.assert(
      fc.property(pathsArb, fc.integer({ min: 1, max: 3 }), fc.boolean(), (paths, order, useNulls) => {
        const outcome = markov(paths, { order, useNulls });
        if (!outcome.ok) throw new Error(outcome.error.message);
        const reference = denseRemovalEffects(paths, order, useNulls);
        for (const [channel, { re, rv }] of reference) {
          expect(outcome.value.get(channel)!.removalEffect).toBeCloseTo(Math.min(1, Math.max(0, re)), 10);
          expect(outcome.value.get(channel)!.removalEffectValue).toBeCloseTo(Math.min(1, Math.max(0, rv)), 10);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('matches the finite horizon Σ_{t=1..M} e_start·Qᵗ·r computed by dense matrix powers', () => {
    fc.assert(
      fc.property(pathsArb, fc.integer({ min: 1, max: 8 }), (paths, maxStep) => {
        const { names, q, r } = denseChain(paths, 1, true);
        const pM = (removed: boolean[]): number => {
          let row: number[] = names.map((_, i) => (i === 0 ? 1 : 0));
          let p = 0;
          for (let t = 1; t <= maxStep; t++) {
            row = names.map((_, j) => row.reduce((a, x, i) => a + (removed[i] ? 0 : x * q[i]![j]!), 0));
            p += row.reduce((a, x, j) => a + (removed[j] ? 0 : x * r[j]!), 0);
          }
          return p;
        };
        const p0 = pM(names.map(() => false));
        const outcome = markov(paths, { useNulls: true, maxStep });
        if (!outcome.ok) throw new Error(outcome.error.message);
        for (const [channel, result] of outcome.value) {
          const expected = p0 > 0 ? 1 - pM(names.map((n) => n === channel)) / p0 : 0;
          expect(result.removalEffect).toBeCloseTo(expected, 10);
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it.each([1, 2])('matches the dense reference on the synthetic PathData-shaped set at order %i with nulls, to 1e-11', (order) => {
    const parsed = parsePathCsv(syntheticPathDataCsv());
    if (!parsed.ok) throw new Error(parsed.error.message);
    const outcome = markov(parsed.value.paths, { order, useNulls: true });
    if (!outcome.ok) throw new Error(outcome.error.message);
    for (const [channel, { re, rv }] of denseRemovalEffects(parsed.value.paths, order, true)) {
      expect(Math.abs(outcome.value.get(channel)!.removalEffect - re)).toBeLessThan(1e-11);
      expect(Math.abs(outcome.value.get(channel)!.removalEffectValue - rv)).toBeLessThan(1e-11);
    }
  });

  it('rejects a non-integer order and a zero max step', () => {
    const paths = [{ channels: ['a'], conversions: 1, value: 0, nulls: 0 }];
    expect(markov(paths, { order: 1.5 })).toMatchObject({ ok: false, error: { code: 'invalid_option' } });
    expect(markov(paths, { maxStep: 0 })).toMatchObject({ ok: false, error: { code: 'invalid_option' } });
  });

  it('credits nothing when there are no conversions', () => {
    const outcome = markov([{ channels: ['a', 'b'], conversions: 0, value: 0, nulls: 3 }], { useNulls: true });
    expect(outcome.ok && [...outcome.value.values()].every((r) => r.conversions === 0 && r.removalEffect === 0)).toBe(true);
  });
});

describe('fitMarkovChain conversion probability', () => {
  const paths: AttributionPath[] = [
    { channels: ['a', 'b', 'c'], conversions: 3, value: 0, nulls: 1 },
    { channels: ['a', 'c'], conversions: 1, value: 0, nulls: 4 },
    { channels: ['b', 'b', 'a'], conversions: 0, value: 0, nulls: 2 },
    { channels: ['c'], conversions: 2, value: 0, nulls: 2 },
  ];

  it('equals the dense absorption probability from every known state, and from (start) for an empty journey', () => {
    for (const order of [1, 2]) {
      const { names, q, r } = denseChain(paths, order, true);
      const n = names.length;
      const absorption = denseSolve(q.map((row, i) => row.map((x, j) => (i === j ? 1 : 0) - x)), r);
      const model = fitMarkovChain(paths, { order, useNulls: true });
      expect(model.stateCount).toBe(n - 1);
      expect(model.conversionProbability([])).toBeCloseTo(absorption[0]!, 12);
      names.slice(1).forEach((name, i) => {
        expect(model.conversionProbability(name.split('|'))).toBeCloseTo(absorption[i + 1]!, 12);
      });
    }
  });

  it('uses only the last `order` touches of a long journey', () => {
    const model = fitMarkovChain(paths, { order: 2, useNulls: true });
    expect(model.conversionProbability(['c', 'c', 'b', 'a', 'b', 'c'])).toBe(model.conversionProbability(['b', 'c']));
  });

  it('falls back to states ending with the longest known suffix, then to the baseline', () => {
    const model = fitMarkovChain(paths, { order: 2, useNulls: true });
    // (c, a) was never seen; the only known windows ending in "a" are (b, a), so it answers for them.
    expect(model.conversionProbability(['c', 'a'])).toBe(model.conversionProbability(['b', 'a']));
    expect(model.conversionProbability(['a', 'zz'])).toBe(model.conversionProbability([]));
    const p = model.conversionProbability(['zz', 'c']);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });
});
