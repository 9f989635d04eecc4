// The ChannelAttribution CSV parser: round-trips generated files and rejects malformed ones with a line number.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePathCsv } from '../../../src/domain/attribution/path-csv.ts';

const SEED = 20_261_123;
const HEADER = '"path","total_conversions","total_conversion_value","total_null"';
const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;

describe('parsePathCsv', () => {
  it('reads the ChannelAttribution format, trimming spaces around touches', () => {
    const outcome = parsePathCsv(`${HEADER}\r\n"eta > iota >alpha>  eta",1,0.244,3\r\n"beta",0,0,7\r\n`);
    expect(outcome).toEqual({
      ok: true,
      value: {
        paths: [
          { channels: ['eta', 'iota', 'alpha', 'eta'], conversions: 1, value: 0.244, nulls: 3 },
          { channels: ['beta'], conversions: 0, value: 0, nulls: 7 },
        ],
        hasValue: true,
        hasNulls: true,
        hasTimes: false,
      },
    });
  });

  it('accepts another separator, a BOM, blank lines and optional columns in any order', () => {
    const outcome = parsePathCsv('\uFEFFtotal_conversions,path\n\n2,a | b\n', { separator: '|' });
    expect(outcome).toEqual({
      ok: true,
      value: { paths: [{ channels: ['a', 'b'], conversions: 2, value: 0, nulls: 0 }], hasValue: false, hasNulls: false, hasTimes: false },
    });
  });

  it('reads touch times and the conversion time for time decay', () => {
    const outcome = parsePathCsv('path,total_conversions,times,conversion_time\n"a > b",1,"100 > 200",300\n');
    expect(outcome.ok && outcome.value.paths[0]).toEqual({ channels: ['a', 'b'], conversions: 1, value: 0, nulls: 0, times: [100, 200], conversionTime: 300 });
    expect(outcome.ok && outcome.value.hasTimes).toBe(true);
  });

  it.each([
    ['', 'empty', 1],
    ['route,total_conversions\nx,1\n', '"path" and "total_conversions"', 1],
    [`${HEADER}\n"a",1,0\n`, 'expected 4 fields', 2],
    [`${HEADER}\n"a",1,0,0\n"b",-1,0,0\n`, 'total_conversions must be', 3],
    [`${HEADER}\n"a",1,0,0\n"b",x,0,0\n`, 'total_conversions must be', 3],
    [`${HEADER}\n"a",1,0,\n`, 'total_null must be', 2],
    [`${HEADER}\n" > ",1,0,0\n`, 'no touches', 2],
    [`${HEADER}\n"a,1,0,0\n`, 'never closed', 2],
    ['path,total_conversions,times\n"a > b",1,"1 > 2 > 3"\n', '3 touch times for 2 touches', 2],
  ])('rejects %j with a message and line', (text, message, line) => {
    const outcome = parsePathCsv(text);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.code).toBe('invalid_csv');
      expect(outcome.error.message).toContain(message);
      expect(outcome.error.line).toBe(line);
    }
  });

  it('rejects a blank separator', () => {
    expect(parsePathCsv(`${HEADER}\n"a",1,0,0\n`, { separator: ' ' }).ok).toBe(false);
  });

  it('round-trips any paths whose channel names avoid the separator (quotes, commas, newlines included)', () => {
    const channelArb = fc
      .string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', 'b', 'Z', '"', ',', ' ', '\n', 'é', '-', '_') })
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const rowArb = fc.record({
      channels: fc.array(channelArb, { minLength: 1, maxLength: 6 }),
      conversions: fc.nat({ max: 1000 }),
      value: fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
      nulls: fc.nat({ max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 20 }), fc.constantFrom('\n', '\r\n'), (rows, eol) => {
        const text = [HEADER, ...rows.map((r) => [quote(r.channels.join(' > ')), r.conversions, r.value, r.nulls].join(','))].join(eol) + eol;
        const outcome = parsePathCsv(text);
        expect(outcome.ok).toBe(true);
        if (outcome.ok) expect(outcome.value.paths).toEqual(rows.map((r) => ({ ...r, value: r.value === 0 ? 0 : r.value })));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
