// ChannelAttribution's own PathData demo set, read only when PATHDATA_CSV names a copy of it. It is GPL-3, so it is
// never copied in, and no test reads outside the repository by itself: without the variable this file is skipped and
// the synthetic set in path-data.test.ts stands in.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attributionCommand } from '../../../src/cli/attribution-command.ts';
import { markov, parsePathCsv } from '../../../src/domain/attribution/index.ts';
import { denseRemovalEffects } from './dense-markov-reference.ts';
import { runPathDataSuite } from './path-data-suite.ts';

const given = process.env['PATHDATA_CSV'];
const csvUrl = pathToFileURL(given ?? 'PathData.csv');
const present = given !== undefined && existsSync(csvUrl);
const name = present
  ? `PathData reference (ChannelAttribution demo set from ${given})`
  : 'PathData reference (skipped: set PATHDATA_CSV to a copy of ChannelAttribution\'s PathData.csv; it is GPL-3 and not copied into the repository)';

describe.skipIf(!present)(name, () => {
  // PathData's own totals, as ChannelAttribution ships it (10,000 rows, 5,408 distinct paths).
  runPathDataSuite(() => readFileSync(csvUrl, 'utf8'), { rows: 10_000, conversions: 19_785, nulls: 68_602, channels: 12 });

  it.each([1, 2])('matches the dense reference at order %i with nulls, to 1e-11', (order) => {
    const parsed = parsePathCsv(readFileSync(csvUrl, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const outcome = markov(parsed.value.paths, { order, useNulls: true });
    if (!outcome.ok) throw new Error(outcome.error.message);
    for (const [channel, { re, rv }] of denseRemovalEffects(parsed.value.paths, order, true)) {
      expect(Math.abs(outcome.value.get(channel)!.removalEffect - re)).toBeLessThan(1e-11);
      expect(Math.abs(outcome.value.get(channel)!.removalEffectValue - rv)).toBeLessThan(1e-11);
    }
  });

  it('runs every default model through the CLI at order 3 and Markov credits all 19,785 conversions', async () => {
    let stdout = '';
    let stderr = '';
    const argv = ['--paths', fileURLToPath(csvUrl), '--null', '--value', '--order', '3'];
    const code = await attributionCommand(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const sum = Object.values(report.models.markov as Record<string, { conversions: number }>).reduce((a, c) => a + c.conversions, 0);
    expect(sum).toBeCloseTo(19_785, 8);
  });
});
