// Event payload JSON: integers beyond 2^53 stay exact, strings stay strings, and the scan sees nesting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson, scanJson, stringifyJson } from '../../src/eventstore/lossless-json.ts';

const SEED = 20261201;

describe('lossless JSON', () => {
  it('keeps integers beyond 2^53 exact and long numeric strings as strings', () => {
    const text = '{"id":123456789012345678901234,"neg":-9007199254740993,"ref":"98765432109876543210","safe":9007199254740991,"f":1.5e+300,"s":"a \\"12345678901234567890\\" b"}';
    const v = parseJson(text) as Record<string, unknown>;
    expect(v).toEqual({ id: 123456789012345678901234n, neg: -9007199254740993n, ref: '98765432109876543210', safe: 9007199254740991, f: 1.5e300, s: 'a "12345678901234567890" b' });
    expect(stringifyJson(v)).toBe(text);
  });

  it('measures nesting outside strings', () => {
    expect(scanJson('{"a":[{"b":"[[[{{{"}]}').depth).toBe(3);
    expect(scanJson('1').depth).toBe(0);
    expect(scanJson('['.repeat(5000) + ']'.repeat(5000)).depth).toBe(5000);
  });

  it('round-trips any JSON value, with big integers, through text (property)', () => {
    const big = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.boolean(), fc.constant(null), big, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        expect(parseJson(stringifyJson(v))).toEqual(v);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
