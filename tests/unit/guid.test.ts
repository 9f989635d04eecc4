// GUID format: property tests (fixed seed) for the codec, and the severity table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGuid, parseGuid, severityCode, utcDate } from '../../src/domain/journeys/guid.ts';

const SEED = 20261123;
const upperAlnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Z0-9]{${min},${max}}$`));

describe('GUID codec', () => {
  it('parses what it formats, whatever dashes the date brings (seed printed on failure)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z][A-Z0-9]{0,15}$/),
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        upperAlnum(3, 3),
        fc.constantFrom('CRT', 'HIG', 'MOD', 'LOW'),
        upperAlnum(1, 16),
        fc.stringMatching(/^[0-9A-F]{6}$/),
        (prefix, date, component, code, dealer, random) => {
          const parts = { prefix, date: utcDate(date.toISOString()), component, code, dealer, random };
          expect(parseGuid(formatGuid(parts))).toEqual(parts);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('rejects malformed GUIDs', () => {
    for (const bad of ['', 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C', 'FORD-2024-13-07-BAT-CRT-DET001-A7B9C2', 'FORD-2024-02-30-BAT-CRT-DET001-A7B9C2', 'ford-2024-12-07-BAT-CRT-DET001-A7B9C2', 'FORD-2024-12-07-BAT-CRT-DET-001-A7B9C2', 'FORD-2024-12-07-BAT-CRT-DET001-a7b9c2']) {
      expect(parseGuid(bad), bad).toBeUndefined();
    }
    expect(parseGuid('FORD-2024-12-07-BAT-CRT-DET001-A7B9C2')).toEqual({ prefix: 'FORD', date: '2024-12-07', component: 'BAT', code: 'CRT', dealer: 'DET001', random: 'A7B9C2' });
  });

  it('maps severities by table, case-insensitively, not by first letters', () => {
    expect(['critical', 'High', 'MODERATE', 'low', 'severe'].map(severityCode)).toEqual(['CRT', 'HIG', 'MOD', 'LOW', undefined]);
  });

  it('uses the UTC date of the risk event', () => {
    expect(utcDate('2024-12-07T23:30:00-05:00')).toBe('2024-12-08');
  });
});
