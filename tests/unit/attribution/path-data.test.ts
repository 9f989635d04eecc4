// The synthetic PathData-shaped set (tests/helpers/synthetic-path-data.ts): its shape, then the PathData checks.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { syntheticPathDataCsv } from '../../helpers/synthetic-path-data.ts';
import { naivePathRows, runPathDataSuite } from './path-data-suite.ts';

const text = syntheticPathDataCsv();

describe('synthetic PathData-shaped set', () => {
  it('is the same text on every run; a change to the generator or its seed must update this hash on purpose', () => {
    expect(syntheticPathDataCsv()).toBe(text);
    expect(createHash('sha256').update(text).digest('hex')).toBe('ca3543ddfc89e855d59c910423cb70173c590470a2ff8f63e1ef39b5ae314d74');
    expect(syntheticPathDataCsv({ seed: 1 })).not.toBe(text);
  });

  it("has PathData's shape: its header, quoted paths, long and repeating paths, heavy-tailed counts, decimal values", () => {
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('"path","total_conversions","total_conversion_value","total_null"');
    for (const line of lines.slice(1)) expect(line).toMatch(/^"[a-z]+( > [a-z]+)*",\d+,\d+(\.\d+)?,\d+$/);
    const rows = naivePathRows(text);
    const lengths = rows.map((r) => r.touches.length);
    expect(Math.min(...lengths)).toBe(1);
    expect(Math.max(...lengths)).toBeGreaterThan(50);
    expect(rows.filter((r) => r.touches.some((t, i) => t === r.touches[i - 1])).length).toBeGreaterThan(rows.length / 2);
    expect(new Set(rows.map((r) => r.touches.join(' > '))).size).toBeLessThan(rows.length);
    expect(rows.filter((r) => r.conv === 0).length).toBeGreaterThan(1_000);
    expect(Math.max(...rows.map((r) => r.conv))).toBeGreaterThan(1_000);
    expect(rows.every((r) => (r.conv === 0) === (r.value === 0) && r.nulls > 0)).toBe(true);
    // Values with three decimals, and averaged ones with many (PathData has 30.734615384615385).
    expect(lines.filter((l) => /,\d+\.\d{3},\d+$/.test(l)).length).toBeGreaterThan(5_000);
    expect(lines.filter((l) => /,\d+\.\d{10,},\d+$/.test(l)).length).toBeGreaterThan(100);
  });

  runPathDataSuite(() => text, { rows: 10_000, conversions: 25_252, nulls: 81_396, channels: 12 });
});
