// Seeded draws for the demo generators: picks, weights, chances and skewed durations from one PRNG.
import { seededRandom } from './demo-journeys.ts';

/** Mixes a seed and an index into one 32-bit seed (murmur3's finaliser), so conversation i depends on (seed, i) alone. */
export const mixSeed = (seed: number, index: number): number => {
  let h = (Math.imul(seed | 0, 0x9e3779b1) + index) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

export interface Draws {
  next(): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  weighted<T>(xs: readonly (readonly [T, number])[]): T;
  int(min: number, max: number): number;
  /**
   * A log-normal duration in ms with the given median; `spread` is sigma (0.5 tight, 1.2 long-tailed). Waits and
   * response times are log-normal in every support data set we have looked at: most quick, a long tail.
   */
  duration(medianMs: number, spread: number): number;
}

export const draws = (seed: number): Draws => {
  const rnd = seededRandom(seed);
  const normal = () => {
    // Box-Muller; 1 - rnd() keeps the logarithm finite.
    const u = 1 - rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  return {
    next: rnd,
    chance: (p) => rnd() < p,
    pick: (xs) => xs[Math.floor(rnd() * xs.length)]!,
    weighted: (xs) => {
      const total = xs.reduce((s, [, w]) => s + w, 0);
      let r = rnd() * total;
      for (const [x, w] of xs) if ((r -= w) < 0) return x;
      return xs.at(-1)![0];
    },
    int: (min, max) => min + Math.floor(rnd() * (max - min + 1)),
    duration: (medianMs, spread) => Math.round(medianMs * Math.exp(spread * normal())),
  };
};
