// Times every attribution model on ChannelAttribution's PathData (median of several runs after warm-up); prints a Markdown table.
// Run: node --import tsx bench/attribution-bench.ts [runs]
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import {
  DEFAULT_MODELS,
  firstTouch,
  lastTouch,
  linear,
  markov,
  parsePathCsv,
  positionBased,
  runModels,
  shapley,
  timeDecay,
  type AttributionPath,
} from '../src/domain/attribution/index.ts';
import { attributionCommand } from '../src/cli/attribution-command.ts';

const RUNS = Number(process.argv[2] ?? 21);
const WARMUP = 5;
const DAY = 86_400_000;

const text = readFileSync(new URL('../../shared/data/attribution/PathData.csv', import.meta.url), 'utf8');
const parsed = parsePathCsv(text);
if (!parsed.ok) throw new Error(parsed.error.message);
const paths = parsed.value.paths;
// PathData has no timestamps; give touch i of n an age of (n − 1 − i) days so time decay has something to weigh.
const timed: AttributionPath[] = paths.map((p) => ({
  ...p,
  times: p.channels.map((_, i) => -(p.channels.length - 1 - i) * DAY),
  conversionTime: 0,
}));

async function measure(fn: () => unknown): Promise<{ min: number; median: number; p90: number }> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { min: samples[0]!, median: at(0.5), p90: at(0.9) };
}

const must = <T>(outcome: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.value;
};

const cases: [string, () => unknown][] = [
  ['parse PathData.csv', () => parsePathCsv(text)],
  ['first_touch', () => firstTouch(paths)],
  ['last_touch', () => lastTouch(paths)],
  ['linear', () => linear(paths)],
  ['position_based', () => positionBased(paths)],
  ['time_decay (synthetic times)', () => must(timeDecay(timed))],
  ['shapley', () => shapley(paths)],
];
for (const order of [1, 2, 3]) {
  cases.push([`markov order ${order}, no nulls (value on)`, () => must(markov(paths, { order }))]);
  cases.push([`markov order ${order}, nulls (value on)`, () => must(markov(paths, { order, useNulls: true }))]);
}
for (const order of [1, 2, 3]) {
  cases.push([
    `all default models, markov order ${order} + nulls + value`,
    () => must(runModels(paths, { models: DEFAULT_MODELS, order, useNulls: true, useValue: true })),
  ]);
}
cases.push([
  'all models incl. time_decay, markov order 3 + nulls + value',
  () => must(runModels(timed, { models: [...DEFAULT_MODELS, 'time_decay'], order: 3, useNulls: true, useValue: true })),
]);

const csvPath = new URL('../../shared/data/attribution/PathData.csv', import.meta.url).pathname;
const quietIo = { stdout: () => undefined, stderr: (s: string) => process.stderr.write(s) };
cases.push([
  'CLI in-process: read + parse + all default models, order 3 + nulls + value, JSON',
  () => attributionCommand(['--paths', csvPath, '--null', '--value', '--order', '3'], quietIo),
]);

const cpu = cpus();
console.log(`Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
console.log(`${paths.length} paths; median of ${RUNS} runs after ${WARMUP} warm-up runs\n`);
console.log('| case | median ms | min ms | p90 ms |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, fn] of cases) {
  const { min, median, p90 } = await measure(fn);
  console.log(`| ${name} | ${median.toFixed(2)} | ${min.toFixed(2)} | ${p90.toFixed(2)} |`);
}
