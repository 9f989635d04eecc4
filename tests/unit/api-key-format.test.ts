// API key format: shape, rejection sampling (crafted bytes), the CRC-32 checksum against every single typo (fixed-seed
// property) and the character distribution (chi-square over a seeded byte source, so it cannot flake).
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatApiKey, KEY_ENVIRONMENTS, KEY_RANDOM_BYTES, keyChecksum, parseApiKey } from '../../src/domain/access/index.ts';

const SEED = 20261201;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY = /^tl_(live|test)_[0-9A-Za-z]{22}[0-9A-Za-z]{6}$/;
const secretOf = (key: string) => key.slice('tl_live_'.length, 'tl_live_'.length + 22);

/** A deterministic byte stream (SHA-256 in counter mode): as good as random for statistics, the same on every run. */
const seededBytes = (seed: string) => {
  let counter = 0;
  return (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n; counter++) {
      const block = createHash('sha256').update(`${seed}:${counter}`).digest();
      const take = Math.min(block.length, n - filled);
      out.set(block.subarray(0, take), filled);
      filled += take;
    }
    return out;
  };
};

/** Pearson's statistic of counts against the uniform distribution. */
const chiSquare = (counts: readonly number[]) => {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
};
/** χ² with 61 degrees of freedom exceeds 130 with probability about 1e-6 (Wilson–Hilferty); a biased sampler scores in the thousands. */
const CHI_SQUARE_BOUND = 130;

describe('API key shape', () => {
  it('is tl_<env>_ + 22 base62 characters + a 6-character checksum, 36 characters in all, for both environments', () => {
    for (const env of KEY_ENVIRONMENTS) {
      const key = formatApiKey(env, randomBytes(KEY_RANDOM_BYTES));
      expect(key).toMatch(KEY);
      expect(key).toHaveLength(36);
      expect(key.startsWith(`tl_${env}_`)).toBe(true);
      expect(key.slice(30)).toBe(keyChecksum(key.slice(0, 30)));
      expect(parseApiKey(key)).toEqual({ ok: true, environment: env, displayPrefix: key.slice(0, 12) });
    }
  });

  it('puts only base62 characters in the secret and checksum', () => {
    for (let i = 0; i < 500; i++) {
      const key = formatApiKey(i % 2 ? 'live' : 'test', randomBytes(KEY_RANDOM_BYTES));
      expect(key.slice(8)).toMatch(/^[0-9A-Za-z]{28}$/);
    }
  });

  it('shows tl_<env>_ and the first 4 secret characters as the display prefix, a prefix of the key that does not reveal the rest', () => {
    const key = formatApiKey('test', Uint8Array.from({ length: 22 }, (_, i) => i));
    expect(key.slice(0, 30)).toBe('tl_test_0123456789ABCDEFGHIJKL');
    const parsed = parseApiKey(key);
    expect(parsed).toEqual({ ok: true, environment: 'test', displayPrefix: 'tl_test_0123' });
  });

  it('computes the checksum as standard CRC-32 (check value of "123456789" is 0xCBF43926) in 6 base62 digits', () => {
    const base62 = (n: number) => Array.from({ length: 6 }, (_, i) => BASE62[Math.floor(n / 62 ** (5 - i)) % 62]).join('');
    expect(keyChecksum('123456789')).toBe(base62(0xcbf43926));
    expect(keyChecksum('')).toBe('000000');
  });

  it('refuses what is not a key without looking at the checksum', () => {
    const key = formatApiKey('live', randomBytes(KEY_RANDOM_BYTES));
    for (const bad of ['', key.slice(0, -1), `${key}0`, `${key}\n`, ` ${key}`, key.toUpperCase(), key.replace('tl_live_', 'TL_live_'), key.replace('tl_live_', 'tl_prod_'), key.replace('tl_live_', 'tl-live-'), `${key.slice(0, 20)}\uff10${key.slice(21)}`]) {
      expect(parseApiKey(bad), JSON.stringify(bad)).toEqual({ ok: false, reason: 'not_a_key' });
    }
  });
});

describe('rejection sampling', () => {
  it('maps a byte b < 248 to BASE62[b mod 62] and skips bytes 248-255', () => {
    const skipped = [248, 249, 250, 251, 252, 253, 254, 255];
    const bytes = Uint8Array.from([...skipped, 0, 62, 124, 186, 247, ...skipped, ...Array.from({ length: 17 }, (_, i) => 10 + i), 255]);
    expect(secretOf(formatApiKey('live', bytes))).toBe('0000z' + 'ABCDEFGHIJKLMNOPQ');
  });

  it('uses the first 22 accepted bytes and ignores the rest', () => {
    const bytes = Uint8Array.from({ length: 22 }, (_, i) => i + 30);
    const more = Uint8Array.from([...bytes, 1, 2, 3]);
    expect(formatApiKey('live', more)).toBe(formatApiKey('live', bytes));
  });

  it('throws when fewer than 22 bytes are usable', () => {
    expect(() => formatApiKey('live', new Uint8Array(0))).toThrow(/more random bytes/);
    expect(() => formatApiKey('live', new Uint8Array(21))).toThrow(/more random bytes/);
    expect(() => formatApiKey('live', Uint8Array.from([...new Uint8Array(21), ...new Uint8Array(100).fill(248)]))).toThrow(/more random bytes/);
    expect(formatApiKey('live', new Uint8Array(22))).toMatch(/^tl_live_0{22}/);
  });

  it('never makes the same key twice from random bytes (5,000 keys)', () => {
    const keys = new Set(Array.from({ length: 5000 }, () => formatApiKey('live', randomBytes(KEY_RANDOM_BYTES))));
    expect(keys.size).toBe(5000);
    expect(new Set([...keys].map(secretOf)).size).toBe(5000);
  });

  it('draws every character equally often (chi-square over 20,000 seeded keys, pooled and per position)', () => {
    const bytes = seededBytes(`api-key-${SEED}`);
    const pooled = new Array<number>(62).fill(0);
    const perPosition = Array.from({ length: 22 }, () => new Array<number>(62).fill(0));
    // The same bytes through a sampler without rejection (byte mod 62): the test must be able to tell the two apart.
    const naive = new Array<number>(62).fill(0);
    for (let k = 0; k < 20_000; k++) {
      const random = bytes(KEY_RANDOM_BYTES);
      const secret = secretOf(formatApiKey('live', random));
      for (let i = 0; i < secret.length; i++) {
        const c = BASE62.indexOf(secret[i]!);
        pooled[c]!++;
        perPosition[i]![c]!++;
        naive[random[i]! % 62]!++;
      }
    }
    expect(chiSquare(pooled)).toBeLessThan(CHI_SQUARE_BOUND);
    expect(Math.max(...perPosition.map(chiSquare))).toBeLessThan(CHI_SQUARE_BOUND);
    expect(chiSquare(naive)).toBeGreaterThan(10 * CHI_SQUARE_BOUND);
  });
});

describe('the checksum refuses every single typo (fixed seed, printed on failure)', () => {
  // Every character a typo could bring: the alphabet, the separators and a few look-alikes.
  const REPLACEMENTS = [...BASE62, '_', '-', ' ', '.', 'O', 'l', '\u0430', '\uff10'];

  it('refuses every single-character substitution and every adjacent transposition of a valid key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KEY_ENVIRONMENTS), fc.uint8Array({ minLength: KEY_RANDOM_BYTES, maxLength: KEY_RANDOM_BYTES }), (env, random) => {
        const key = formatApiKey(env, random);
        const accepted: string[] = [];
        // Checked without expect() in the loop: each key has about 2,600 typos.
        const refused = (typo: string, what: string) => {
          const parsed = parseApiKey(typo);
          // A base62 typo in the secret or checksum keeps the shape: only the checksum can catch it.
          const want = KEY.test(typo) ? 'bad_checksum' : 'not_a_key';
          if (parsed.ok || parsed.reason !== want) accepted.push(`${what}: ${typo} -> ${JSON.stringify(parsed)}`);
        };
        for (let i = 0; i < key.length; i++) {
          for (const c of REPLACEMENTS) if (c !== key[i]) refused(key.slice(0, i) + c + key.slice(i + 1), `substitution at ${i}`);
          if (i + 1 < key.length && key[i] !== key[i + 1]) refused(key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2), `transposition at ${i}`);
        }
        expect(accepted, `typos of ${key}`).toEqual([]);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('refuses a typo at any position with any character (fast-check chooses position and character)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: KEY_RANDOM_BYTES, maxLength: KEY_RANDOM_BYTES }), fc.nat(35), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), (random, at, c) => {
        const key = formatApiKey('live', random);
        fc.pre(c !== key[at]);
        expect(parseApiKey(key.slice(0, at) + c + key.slice(at + 1)).ok).toBe(false);
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });
});
