// ChannelAttribution's PathData demo set: totals, heuristics against independent naive loops, Markov invariants.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { markov, parsePathCsv, runModels, type AttributionPath } from '../../../src/domain/attribution/index.ts';

const csvUrl = new URL('../../../../shared/data/attribution/PathData.csv', import.meta.url);
const text = readFileSync(csvUrl, 'utf8');

function loadPaths(): AttributionPath[] {
  const parsed = parsePathCsv(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value.paths;
}

/** An independent reading of the file: every data row is `"a > b",conv,value,null` with no embedded commas. */
const naiveRows = text
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [path, conv, value, nulls] = line.replace(/"/g, '').split(',');
    return { touches: path!.split(' > '), conv: Number(conv), value: Number(value), nulls: Number(nulls) };
  });

const sumOf = (credits: Record<string, { conversions: number; value?: number }>, key: 'conversions' | 'value'): number =>
  Object.values(credits).reduce((a, c) => a + (c[key] ?? 0), 0);

describe('PathData.csv', () => {
  const paths = loadPaths();

  it('parses 10,000 rows with 19,785 conversions, 68,602 nulls and 12 channels', () => {
    expect(paths).toHaveLength(10_000);
    expect(paths.reduce((a, p) => a + p.conversions, 0)).toBe(19_785);
    expect(paths.reduce((a, p) => a + p.nulls, 0)).toBe(68_602);
    expect(new Set(paths.flatMap((p) => p.channels)).size).toBe(12);
    expect(paths.map((p) => p.value)).toEqual(naiveRows.map((r) => r.value));
  });

  const report = (() => {
    const outcome = runModels(paths, { models: ['first_touch', 'last_touch', 'linear'], useValue: true });
    if (!outcome.ok) throw new Error(outcome.error.message);
    return outcome.value;
  })();
  const totalValue = naiveRows.reduce((a, r) => a + r.value, 0);

  it.each(['first_touch', 'last_touch', 'linear'] as const)('%s credits sum to the totals', (model) => {
    expect(sumOf(report.models[model]!, 'conversions')).toBeCloseTo(19_785, 8);
    expect(sumOf(report.models[model]!, 'value')).toBeCloseTo(totalValue, 8);
    expect(report.total_conversion_value).toBeCloseTo(totalValue, 8);
  });

  it('matches first and last touch counted by a naive loop', () => {
    for (const channel of ['alpha', 'eta', 'mi']) {
      let first = 0;
      let last = 0;
      for (const row of naiveRows) {
        if (row.touches[0] === channel) first += row.conv;
        if (row.touches.at(-1) === channel) last += row.conv;
      }
      expect(report.models.first_touch![channel]!.conversions).toBe(first);
      expect(report.models.last_touch![channel]!.conversions).toBe(last);
    }
  });

  it('matches linear (per touch occurrence) counted by a naive loop', () => {
    for (const channel of ['alpha', 'iota', 'delta']) {
      let credit = 0;
      let value = 0;
      for (const row of naiveRows) {
        const occurrences = row.touches.filter((t) => t === channel).length;
        credit += (row.conv * occurrences) / row.touches.length;
        value += (row.value * occurrences) / row.touches.length;
      }
      expect(report.models.linear![channel]!.conversions).toBeCloseTo(credit, 9);
      expect(report.models.linear![channel]!.value).toBeCloseTo(value, 9);
    }
  });

  it.each([1, 2, 3])('Markov order %i with nulls credits 19,785 conversions and the total value', (order) => {
    const outcome = markov(paths, { order, useNulls: true });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const results = [...outcome.value.values()];
    expect(results).toHaveLength(12);
    expect(results.reduce((a, r) => a + r.conversions, 0)).toBeCloseTo(19_785, 8);
    expect(results.reduce((a, r) => a + r.value, 0)).toBeCloseTo(totalValue, 8);
    for (const r of results) {
      expect(r.removalEffect).toBeGreaterThan(0);
      expect(r.removalEffect).toBeLessThanOrEqual(1);
      expect(r.removalEffectValue).toBeGreaterThan(0);
      expect(r.removalEffectValue).toBeLessThanOrEqual(1);
    }
  });

  it('Markov order 1 without nulls ignores non-converting paths but still credits every conversion', () => {
    const outcome = markov(paths, { order: 1 });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const withNulls = markov(paths, { order: 1, useNulls: true });
    if (!withNulls.ok) throw new Error(withNulls.error.message);
    expect([...outcome.value.values()].reduce((a, r) => a + r.conversions, 0)).toBeCloseTo(19_785, 8);
    // Null data changes the chain, so the removal effects must move.
    expect(outcome.value.get('alpha')!.removalEffect).not.toBeCloseTo(withNulls.value.get('alpha')!.removalEffect, 6);
  });
});
