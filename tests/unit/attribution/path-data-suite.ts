// The checks every PathData-shaped set must pass: totals, heuristics against naive loops, Markov invariants.
// Run on the synthetic set always, and on ChannelAttribution's own PathData when it is beside the repo.
import { expect, it } from 'vitest';
import { markov, parsePathCsv, runModels, type AttributionPath } from '../../../src/domain/attribution/index.ts';

export interface PathDataTotals {
  rows: number;
  conversions: number;
  nulls: number;
  channels: number;
}

/** An independent reading of the file: every data row is `"a > b",conv,value,null` with no embedded commas. */
export function naivePathRows(text: string) {
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [path, conv, value, nulls] = line.replace(/"/g, '').split(',');
      return { touches: path!.split(' > '), conv: Number(conv), value: Number(value), nulls: Number(nulls) };
    });
}

const sumOf = (credits: Record<string, { conversions: number; value?: number }>, key: 'conversions' | 'value'): number =>
  Object.values(credits).reduce((a, c) => a + (c[key] ?? 0), 0);

/** Registers the checks in the enclosing describe; `load` runs only when a test does, so a skipped suite reads nothing. */
export function runPathDataSuite(load: () => string, expected: PathDataTotals): void {
  let cached: { paths: AttributionPath[]; rows: ReturnType<typeof naivePathRows>; report: ReturnType<typeof heuristics> } | undefined;
  const data = () => {
    if (cached === undefined) {
      const text = load();
      const parsed = parsePathCsv(text);
      if (!parsed.ok) throw new Error(parsed.error.message);
      cached = { paths: parsed.value.paths, rows: naivePathRows(text), report: heuristics(parsed.value.paths) };
    }
    return cached;
  };
  const totalValue = () => data().rows.reduce((a, r) => a + r.value, 0);
  const channels = () => [...new Set(data().rows.flatMap((r) => r.touches))];

  it(`parses ${expected.rows} rows with ${expected.conversions} conversions, ${expected.nulls} nulls and ${expected.channels} channels`, () => {
    const { paths, rows } = data();
    expect(paths).toHaveLength(expected.rows);
    expect(paths.reduce((a, p) => a + p.conversions, 0)).toBe(expected.conversions);
    expect(paths.reduce((a, p) => a + p.nulls, 0)).toBe(expected.nulls);
    expect(new Set(paths.flatMap((p) => p.channels)).size).toBe(expected.channels);
    expect(paths.map((p) => p.channels)).toEqual(rows.map((r) => r.touches));
    expect(paths.map((p) => p.value)).toEqual(rows.map((r) => r.value));
  });

  it.each(['first_touch', 'last_touch', 'linear'] as const)('%s credits sum to the totals', (model) => {
    const { report } = data();
    expect(sumOf(report.models[model]!, 'conversions')).toBeCloseTo(expected.conversions, 8);
    expect(sumOf(report.models[model]!, 'value')).toBeCloseTo(totalValue(), 8);
    expect(report.total_conversion_value).toBeCloseTo(totalValue(), 8);
  });

  it('matches first and last touch counted by a naive loop, for every channel', () => {
    const { report, rows } = data();
    for (const channel of channels()) {
      let first = 0;
      let last = 0;
      for (const row of rows) {
        if (row.touches[0] === channel) first += row.conv;
        if (row.touches.at(-1) === channel) last += row.conv;
      }
      expect(report.models.first_touch![channel]!.conversions).toBe(first);
      expect(report.models.last_touch![channel]!.conversions).toBe(last);
    }
  });

  it('matches linear (per touch occurrence) counted by a naive loop, for every channel', () => {
    const { report, rows } = data();
    for (const channel of channels()) {
      let credit = 0;
      let value = 0;
      for (const row of rows) {
        const occurrences = row.touches.filter((t) => t === channel).length;
        credit += (row.conv * occurrences) / row.touches.length;
        value += (row.value * occurrences) / row.touches.length;
      }
      expect(report.models.linear![channel]!.conversions).toBeCloseTo(credit, 9);
      expect(report.models.linear![channel]!.value).toBeCloseTo(value, 9);
    }
  });

  it.each([1, 2, 3])(`Markov order %i with nulls credits ${expected.conversions} conversions and the total value`, (order) => {
    const outcome = markov(data().paths, { order, useNulls: true });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const results = [...outcome.value.values()];
    expect(results).toHaveLength(expected.channels);
    expect(results.reduce((a, r) => a + r.conversions, 0)).toBeCloseTo(expected.conversions, 8);
    expect(results.reduce((a, r) => a + r.value, 0)).toBeCloseTo(totalValue(), 8);
    for (const r of results) {
      expect(r.removalEffect).toBeGreaterThan(0);
      expect(r.removalEffect).toBeLessThanOrEqual(1);
      expect(r.removalEffectValue).toBeGreaterThan(0);
      expect(r.removalEffectValue).toBeLessThanOrEqual(1);
    }
  });

  it('Markov order 1 without nulls ignores non-converting paths but still credits every conversion', () => {
    const outcome = markov(data().paths, { order: 1 });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const withNulls = markov(data().paths, { order: 1, useNulls: true });
    if (!withNulls.ok) throw new Error(withNulls.error.message);
    expect([...outcome.value.values()].reduce((a, r) => a + r.conversions, 0)).toBeCloseTo(expected.conversions, 8);
    // Null data changes the chain, so the removal effects must move.
    expect(outcome.value.get('alpha')!.removalEffect).not.toBeCloseTo(withNulls.value.get('alpha')!.removalEffect, 6);
  });
}

function heuristics(paths: AttributionPath[]) {
  const outcome = runModels(paths, { models: ['first_touch', 'last_touch', 'linear'], useValue: true });
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.value;
}
