// Invariants every model must keep: credits sum to the totals; order invariance exactly where the model promises it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MODEL_NAMES,
  firstTouch,
  lastTouch,
  linear,
  markov,
  runModels,
  shapley,
  type AttributionPath,
  type ChannelCredits,
} from '../../../src/domain/attribution/index.ts';

/** Fixed so a failure replays; fast-check prints it with the counterexample. */
const SEED = 20_261_123;
const RUNS = 150;
const DAY = 86_400_000;

const pathArb: fc.Arbitrary<AttributionPath> = fc
  .record({
    channels: fc.array(fc.constantFrom('email', 'sms', 'phone', 'chat', 'web', 'x'), { minLength: 1, maxLength: 9 }),
    conversions: fc.integer({ min: 0, max: 20 }),
    valuePerConversion: fc.double({ min: 0, max: 500, noNaN: true }),
    nulls: fc.integer({ min: 0, max: 20 }),
    ageDays: fc.array(fc.double({ min: 0, max: 60, noNaN: true }), { minLength: 9, maxLength: 9 }),
  })
  .map(({ channels, conversions, valuePerConversion, nulls, ageDays }) => {
    const conversionTime = Date.UTC(2026, 10, 23);
    return {
      channels,
      // Value only arises from conversions, as in real data.
      conversions,
      value: conversions * valuePerConversion,
      nulls,
      times: channels.map((_, i) => conversionTime - ageDays[i]! * DAY),
      conversionTime,
    };
  });
const pathsArb = fc.array(pathArb, { minLength: 1, maxLength: 30 });

const sums = (credits: Record<string, { conversions: number; value?: number }>) =>
  Object.values(credits).reduce<{ conversions: number; value: number }>((a, c) => ({ conversions: a.conversions + c.conversions, value: a.value + (c.value ?? 0) }), {
    conversions: 0,
    value: 0,
  });
const close = (actual: number, expected: number): boolean => Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));

describe('credits sum to the totals', () => {
  it.each([1, 2, 3])('for every model (Markov order %i), with and without nulls and max step', (order) => {
    fc.assert(
      fc.property(pathsArb, fc.boolean(), fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }), (paths, useNulls, maxStep) => {
        const outcome = runModels(paths, { models: [...MODEL_NAMES], order, useNulls, useValue: true, maxStep });
        if (!outcome.ok) throw new Error(outcome.error.message);
        const report = outcome.value;
        const hasConversions = report.total_conversions > 0;
        for (const [model, credits] of Object.entries(report.models)) {
          const total = sums(credits!);
          // A finite horizon can lose every converting walk (all longer than M); then Markov has nothing to share.
          const markovLostAll = model === 'markov' && maxStep !== undefined && total.conversions === 0;
          if (!hasConversions || markovLostAll) {
            expect(total.conversions).toBe(0);
            continue;
          }
          expect(close(total.conversions, report.total_conversions), `${model} conversions`).toBe(true);
          expect(close(total.value, report.total_conversion_value!), `${model} value`).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('order invariance', () => {
  /** Every path with its touches shuffled by a generated permutation. */
  const shuffledArb = pathsArb.chain((paths) =>
    fc.tuple(
      fc.constant(paths),
      fc.tuple(...paths.map((p) => fc.shuffledSubarray(p.channels.map((_, i) => i), { minLength: p.channels.length, maxLength: p.channels.length }))),
    ),
  );
  const permute = (paths: AttributionPath[], orders: number[][]): AttributionPath[] =>
    paths.map((p, k) => ({ ...p, channels: orders[k]!.map((i) => p.channels[i]!) }));
  const sameCredits = (a: ChannelCredits, b: ChannelCredits): boolean =>
    [...a].every(([c, x]) => close(x.conversions, b.get(c)!.conversions) && close(x.value, b.get(c)!.value));

  it('linear and Shapley ignore the order of touches within a path', () => {
    fc.assert(
      fc.property(shuffledArb, ([paths, orders]) => {
        const shuffled = permute(paths, orders);
        expect(sameCredits(linear(paths), linear(shuffled))).toBe(true);
        expect(sameCredits(shapley(paths), shapley(shuffled))).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('every model ignores the order of the paths themselves', () => {
    fc.assert(
      fc.property(pathsArb.chain((paths) => fc.tuple(fc.constant(paths), fc.shuffledSubarray(paths, { minLength: paths.length, maxLength: paths.length }))), ([paths, reordered]) => {
        const a = runModels(paths, { models: [...MODEL_NAMES], useNulls: true, useValue: true, order: 2 });
        const b = runModels(reordered, { models: [...MODEL_NAMES], useNulls: true, useValue: true, order: 2 });
        if (!a.ok || !b.ok) throw new Error('model failed');
        for (const [model, credits] of Object.entries(a.value.models)) {
          for (const [channel, credit] of Object.entries(credits!)) {
            const other = (b.value.models as Record<string, Record<string, { conversions: number }>>)[model]![channel]!;
            expect(close(credit.conversions, other.conversions), `${model} ${channel}`).toBe(true);
          }
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('first and last touch do depend on touch order', () => {
    const forward: AttributionPath[] = [{ channels: ['email', 'sms'], conversions: 1, value: 0, nulls: 0 }];
    const backward: AttributionPath[] = [{ channels: ['sms', 'email'], conversions: 1, value: 0, nulls: 0 }];
    expect(firstTouch(forward).get('email')!.conversions).toBe(1);
    expect(firstTouch(backward).get('email')!.conversions).toBe(0);
    expect(lastTouch(forward).get('email')!.conversions).toBe(0);
    expect(lastTouch(backward).get('email')!.conversions).toBe(1);
  });
});

describe('Markov removal effects', () => {
  it('lie in [0, 1], and in (0, 1] for every channel on a converting path', () => {
    fc.assert(
      fc.property(pathsArb, fc.integer({ min: 1, max: 3 }), fc.boolean(), (paths, order, useNulls) => {
        const outcome = markov(paths, { order, useNulls });
        if (!outcome.ok) throw new Error(outcome.error.message);
        const converting = new Set(paths.filter((p) => p.conversions > 0).flatMap((p) => p.channels));
        for (const [channel, r] of outcome.value) {
          for (const re of [r.removalEffect, r.removalEffectValue]) {
            expect(re).toBeGreaterThanOrEqual(0);
            expect(re).toBeLessThanOrEqual(1);
          }
          if (converting.has(channel)) expect(r.removalEffect).toBeGreaterThan(0);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
