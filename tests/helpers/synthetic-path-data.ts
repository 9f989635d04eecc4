// A seeded stand-in for ChannelAttribution's PathData demo set, which is GPL-3 and so not in this repository.
// Same columns, quoting and shape; the numbers are invented, so tests check it against exact computations, not R.

export const SYNTHETIC_PATH_DATA_SEED = 20_261_201;

/** mulberry32, copied rather than imported from src/cli/demo: the test data must not move when the demo does. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// PathData's twelve Greek-letter channels with a similar skew: four carry most touches and the rarest appears in a
// handful of paths (PathData's "mi" is in 2 of 10,000), so removal effects span several orders of magnitude.
// The share of a channel's paths that end without converting differs per channel, so the models disagree.
const CHANNELS: readonly { name: string; weight: number; noConversion: number }[] = [
  { name: 'iota', weight: 26, noConversion: 0.15 },
  { name: 'beta', weight: 19, noConversion: 0.22 },
  { name: 'eta', weight: 18, noConversion: 0.2 },
  { name: 'alpha', weight: 17, noConversion: 0.12 },
  { name: 'theta', weight: 8, noConversion: 0.25 },
  { name: 'lambda', weight: 8, noConversion: 0.18 },
  { name: 'epsilon', weight: 2.7, noConversion: 0.3 },
  { name: 'zeta', weight: 2, noConversion: 0.1 },
  { name: 'kappa', weight: 1.5, noConversion: 0.35 },
  { name: 'gamma', weight: 0.7, noConversion: 0.2 },
  { name: 'delta', weight: 0.1, noConversion: 0.25 },
  { name: 'mi', weight: 0.05, noConversion: 0.1 },
];
const TOTAL_WEIGHT = CHANNELS.reduce((a, c) => a + c.weight, 0);

export interface SyntheticPathDataOptions {
  seed?: number;
  rows?: number;
}

/**
 * The CSV text, one row per path as PathData has it: the same path may occur on more than one row (PathData's
 * 10,000 rows hold 5,408 distinct paths, 803 of them one touch long), and a non-converting row has value 0.
 */
export function syntheticPathDataCsv({ seed = SYNTHETIC_PATH_DATA_SEED, rows = 10_000 }: SyntheticPathDataOptions = {}): string {
  const random = mulberry32(seed);
  const pick = () => {
    let r = random() * TOTAL_WEIGHT;
    for (const channel of CHANNELS) if ((r -= channel.weight) < 0) return channel;
    return CHANNELS[0]!;
  };
  const lines = ['"path","total_conversions","total_conversion_value","total_null"'];
  for (let row = 0; row < rows; row++) {
    // Lengths like PathData's: mostly 2–6 touches (mean 5.4; PathData 5.6), a tail past 50; gamma(2), 1 in 10 stretched.
    const scale = random() < 0.9 ? 1.8 : 8;
    const length = Math.min(90, 1 + Math.floor(-scale * Math.log((1 - random()) * (1 - random()))));
    const touches = [pick()];
    // A deliberate repeat 3 times in 10, plus chance repeats, gives PathData's 42 % of steps that repeat the channel.
    while (touches.length < length) touches.push(random() < 0.3 ? touches.at(-1)! : pick());
    // Mostly 0 or 1 conversions with a Pareto tail into the thousands on short paths, as in PathData.
    const converts = random() >= touches.at(-1)!.noConversion;
    const conversions = converts ? Math.max(1, Math.floor(0.5 / (length * (1 - random())))) : 0;
    const nulls = Math.floor(Math.max(1, conversions) * (2 + 2 * random()));
    lines.push(`"${touches.map((c) => c.name).join(' > ')}",${conversions},${conversionValue(random, conversions)},${nulls}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Log-normal value per conversion (mean about 4.1; PathData 4.4) to 3 decimals; 1 row in 20 a long repeating decimal. */
function conversionValue(random: () => number, conversions: number): number {
  if (conversions === 0) return 0;
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const total = conversions * Math.exp(1.1 + 0.8 * normal);
  const scale = random() < 0.05 ? 13_000 : 1_000;
  return Math.max(1, Math.round(total * scale)) / scale;
}
